/**
 * The WeChat runtime forbids building functions from strings. Zod 4 does so (a `new Function`
 * probe, then compiled object parsers) unless it is jitless, so the app's schemas must never reach
 * the `Function` constructor. The test counts calls to it while the API client's modules load and
 * parse: zero with the app's setup, and more than zero without it (so the count proves something).
 */
type Loaded = { schema: import('zod').ZodType; parse: (data: unknown) => unknown };

function countFunctionConstructions(load: () => Loaded): number {
  // Zod keeps its settings on the global object, shared by every copy of it: start each case clean.
  delete (globalThis as { __zod_globalConfig?: unknown }).__zod_globalConfig;
  const original = globalThis.Function;
  let constructed = 0;
  globalThis.Function = new Proxy(original, {
    construct(target, args) {
      constructed += 1;
      return Reflect.construct(target, args);
    },
    apply(target, self, args) {
      constructed += 1;
      return Reflect.apply(target, self, args);
    },
  });
  try {
    const { parse } = load();
    for (let round = 0; round < 3; round += 1) parse({ available: 30, pending: 0, expiringSoon: [{ amount: 5, expiresAt: '2026-03-31T16:00:00.000Z' }], expiringSoonTotal: 5 });
  } finally {
    globalThis.Function = original;
  }
  return constructed;
}

describe('zod in the mini-program', () => {
  it('never builds a function from a string once the API client is loaded (jitless)', () => {
    const count = countFunctionConstructions(() => {
      let loaded!: Loaded;
      jest.isolateModules(() => {
        require('./api-client');
        const { pointBalanceSchema } = require('@o2o/shared/schemas/points');
        loaded = { schema: pointBalanceSchema, parse: (data) => pointBalanceSchema.parse(data) };
      });
      return loaded;
    });
    expect(count).toBe(0);
  });

  it('would build one without the setting (the check can fail)', () => {
    const count = countFunctionConstructions(() => {
      let loaded!: Loaded;
      jest.isolateModules(() => {
        const { pointBalanceSchema } = require('@o2o/shared/schemas/points');
        loaded = { schema: pointBalanceSchema, parse: (data) => pointBalanceSchema.parse(data) };
      });
      return loaded;
    });
    expect(count).toBeGreaterThan(0);
  });

  it('the app entry sets it up before anything else', () => {
    const entry = require('node:fs').readFileSync(require('node:path').join(__dirname, '..', 'app.tsx'), 'utf8') as string;
    const firstImport = entry.split('\n').find((line) => line.startsWith('import '));
    expect(firstImport).toBe("import './services/zod-jitless';");
  });
});
