/// <reference types="@tarojs/taro" />

declare module '*.css';
declare module '*.png';

/** Injected by config/index.ts (weapp: the API origin). */
declare const API_BASE_URL: string;

declare namespace NodeJS {
  interface ProcessEnv {
    TARO_ENV?: 'weapp' | 'h5';
  }
}
