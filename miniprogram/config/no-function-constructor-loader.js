// WeChat rejects code that builds functions from strings. zod v4 only does so for its JIT, which
// the app switches off (`z.config({ jitless: true })`); this loader removes the unused code path so
// the bundle holds no Function constructor at all.
module.exports = function noFunctionConstructor(source) {
  return source.replace(/const F = Function;/g, 'const F = undefined;');
};
