// webpack's runtime finds the global object with `new Function("return this")()` as a last resort
// after `globalThis`; WeChat rejects the Function constructor, and its base library has globalThis.
const PATTERN = /new Function\((["'])return this\1\)\(\)/g;

class NoFunctionConstructorPlugin {
  apply(compiler) {
    const { Compilation, sources } = compiler.webpack;
    compiler.hooks.thisCompilation.tap('NoFunctionConstructorPlugin', (compilation) => {
      compilation.hooks.processAssets.tap({ name: 'NoFunctionConstructorPlugin', stage: Compilation.PROCESS_ASSETS_STAGE_OPTIMIZE_INLINE }, (assets) => {
        for (const name of Object.keys(assets)) {
          if (!name.endsWith('.js')) continue;
          const source = assets[name].source().toString();
          if (!PATTERN.test(source)) continue;
          PATTERN.lastIndex = 0;
          compilation.updateAsset(name, new sources.RawSource(source.replace(PATTERN, 'void 0')));
        }
      });
    });
  }
}

module.exports = NoFunctionConstructorPlugin;
