import path from 'node:path';
import { WechatyBuilder, type Room, type Wechaty } from 'wechaty';
import type { WechatyOptions } from 'wechaty';
import { systemClock, type Clock } from './clock';
import type { BotConfig } from './config';
import { GroupDirectory } from './group-directory';
import { createLogger, type Logger } from './logger';
import { AccountPlugin } from './plugins/account';
import { ActivityPlugin } from './plugins/activity';
import { AnswersPlugin } from './plugins/answers';
import { BindingPlugin } from './plugins/binding';
import { CheckinPlugin } from './plugins/checkin';
import { DeliveriesPlugin } from './plugins/deliveries';
import { GatePlugin } from './plugins/gate';
import { HandoffPlugin } from './plugins/handoff';
import { MembersPlugin } from './plugins/members';
import { MessagePipelinePlugin } from './plugins/message-pipeline';
import { ModerationPlugin } from './plugins/moderation';
import { PrivateQueriesPlugin } from './plugins/private-queries';
import { StaffCommandsPlugin } from './plugins/staff-commands';
import { MessagePipeline, type BotRuntime } from './runtime';
import { SendQueue } from './sending/send-queue';
import { BotApi } from './server-client/bot-api';
import { DeliveryJournal } from './server-client/delivery-journal';
import { Outbox } from './server-client/outbox';

export interface CommunityBotOptions {
  config: BotConfig;
  /** A puppet instance (tests and the demo pass a PuppetMock); otherwise `config.puppet` is loaded by name. */
  puppet?: WechatyOptions['puppet'];
  clock?: Clock;
  log?: Logger;
}

export interface CommunityBot {
  wechaty: Wechaty;
  runtime: BotRuntime;
  start(): Promise<void>;
  /** Stops the puppet and the queue; reports activity and flushes the outbox as far as the server allows. */
  stop(): Promise<void>;
}

/** Builds the Wechaty bot from config, with one plugin per feature. */
export function createCommunityBot(options: CommunityBotOptions): CommunityBot {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createLogger(config.logLevel);
  const api = new BotApi({ baseUrl: config.serverUrl, token: config.apiToken, timeoutMs: config.requestTimeoutMs });
  let poll: () => Promise<void> = () => Promise.resolve();
  let reconcile: (room: Room) => Promise<void> = () => Promise.resolve();
  const membersListeners = new Set<(roomId: string) => void>();
  const runtime: BotRuntime = {
    account: { down: false, assignedRoomIds: null, heartbeat: () => Promise.resolve(), listeners: new Set() },
    config,
    api,
    outbox: new Outbox(config.dataDir, api, log),
    journal: new DeliveryJournal(config.dataDir),
    queue: new SendQueue({ minIntervalPerConversationMs: config.minIntervalPerConversationMs, maxMessagesPerMinute: config.maxMessagesPerMinute, budgets: config.sendBudgets }, clock, log),
    directory: new GroupDirectory(api, clock, config.contextTtlMs, log, path.join(config.dataDir, 'room-contexts.json')),
    clock,
    log,
    pipeline: new MessagePipeline(),
    pollDeliveries: () => poll(),
    reconcileRoom: (room) => reconcile(room),
    onMembersSynced: (listener) => {
      membersListeners.add(listener);
      return () => membersListeners.delete(listener);
    },
    membersSynced: (roomId) => {
      for (const listener of membersListeners) listener(roomId);
    },
  };

  const wechaty = WechatyBuilder.build({
    name: config.name,
    puppet: options.puppet ?? (config.puppet as WechatyOptions['puppet']),
    ...(options.puppet || !config.puppetToken ? {} : { puppetOptions: { token: config.puppetToken } }),
  });
  // Wechaty reports puppet trouble as 'error' events; unheard, they would crash the process.
  wechaty.on('error', (error) => log.warn('wechaty reported an error', { err: error }));
  const uninstall = wechaty.use(
    AccountPlugin(runtime),
    MessagePipelinePlugin(runtime),
    ActivityPlugin(runtime),
    BindingPlugin(runtime),
    StaffCommandsPlugin(runtime),
    GatePlugin(runtime),
    ModerationPlugin(runtime),
    CheckinPlugin(runtime),
    PrivateQueriesPlugin(runtime),
    AnswersPlugin(runtime),
    HandoffPlugin(runtime),
    MembersPlugin(runtime, (fn) => (reconcile = fn)),
    DeliveriesPlugin(runtime, (fn) => (poll = fn)),
  ) as unknown as () => void;

  return {
    wechaty,
    runtime,
    start: () => wechaty.start(),
    stop: async () => {
      uninstall();
      runtime.queue.stop();
      runtime.directory.save();
      await wechaty.stop().catch((error: unknown) => log.warn('stopping the puppet failed', { err: error }));
      await runtime.outbox.flush().catch(() => 0);
    },
  };
}
