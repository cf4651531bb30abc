import path from 'node:path';
import { defineConfig, type UserConfigExport } from '@tarojs/cli';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const NoFunctionConstructorPlugin = require('./no-function-constructor-plugin');

const sharedSource = path.resolve(__dirname, '../../shared/src');
const noFunctionConstructorLoader = path.resolve(__dirname, 'no-function-constructor-loader.js');
const platform = process.env.TARO_ENV ?? 'weapp';

/**
 * One lean config for both targets: weapp into dist/weapp (the folder project.config.json names),
 * h5 into dist/h5 with a hash router, served by the server under /h5/.
 */
export default defineConfig<'webpack5'>(() => {
  const config: UserConfigExport<'webpack5'> = {
    projectName: 'o2o-community-miniprogram',
    date: '2026-11-22',
    designWidth: 750,
    deviceRatio: { 640: 2.34 / 2, 750: 1, 375: 2, 828: 1.81 / 2 },
    sourceRoot: 'src',
    outputRoot: `dist/${platform}`,
    plugins: [],
    framework: 'react',
    compiler: { type: 'webpack5', prebundle: { enable: false } },
    cache: { enable: false },
    alias: { '@o2o/shared': sharedSource },
    defineConstants: {
      // Where the weapp talks to the API; H5 uses its own origin (the server serves it under /h5/).
      API_BASE_URL: JSON.stringify(process.env.TARO_APP_API_BASE_URL ?? 'http://127.0.0.1:3000'),
    },
    copy: { patterns: [], options: {} },
    mini: {
      // shared/ is TypeScript source: compile it like our own code.
      compile: { include: [sharedSource] },
      enableSourceMap: false,
      postcss: { pxtransform: { enable: true, config: {} }, cssModules: { enable: false } },
      webpackChain(chain) {
        chain.module
          .rule('zod-no-function-constructor')
          .test(/[\\/]node_modules[\\/]zod[\\/].*\.c?js$/)
          .use('no-function-constructor')
          .loader(noFunctionConstructorLoader);
        chain.plugin('no-function-constructor').use(NoFunctionConstructorPlugin);
      },
    },
    h5: {
      publicPath: '/h5/',
      staticDirectory: 'static',
      router: { mode: 'hash' },
      enableSourceMap: false,
      compile: { include: [sharedSource] },
      output: { filename: 'js/[name].[hash:8].js', chunkFilename: 'js/[name].[chunkhash:8].js' },
      miniCssExtractPluginOption: { ignoreOrder: true, filename: 'css/[name].[hash].css', chunkFilename: 'css/[name].[chunkhash].css' },
      postcss: { autoprefixer: { enable: false, config: {} }, cssModules: { enable: false } },
      webpackChain(chain) {
        chain.module
          .rule('zod-no-function-constructor')
          .test(/[\\/]node_modules[\\/]zod[\\/].*\.c?js$/)
          .use('no-function-constructor')
          .loader(noFunctionConstructorLoader);
      },
    },
  };
  return config;
});
