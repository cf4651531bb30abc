import net from 'node:net';

/** Tests talk to 127.0.0.1 only; anything else is a bug in the test or the code under test. */
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|::ffff:127\.\d+\.\d+\.\d+)$/;

const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connect(this: net.Socket, ...args: unknown[]) {
  const [first] = args;
  const options = (typeof first === 'object' && first !== null ? first : { port: first, host: args[1] }) as {
    host?: string;
    path?: string;
  };
  const host = typeof options.host === 'string' ? options.host : 'localhost';
  if (!options.path && !LOOPBACK.test(host)) {
    throw new Error(`Tests may not open network connections outside 127.0.0.1 (tried ${host})`);
  }
  return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;
