import type Taro from '@tarojs/taro';

export interface ApiCall {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  token?: string;
}

/** Turns an API call into Taro.request options: JSON in and out, bearer token when signed in. */
export function toRequestOptions(baseUrl: string, call: ApiCall): Taro.request.Option {
  const header: Record<string, string> = { 'content-type': 'application/json' };
  if (call.token) header.authorization = `Bearer ${call.token}`;
  return {
    url: `${baseUrl.replace(/\/+$/, '')}${call.path}`,
    method: call.method,
    data: call.body as Taro.request.Option['data'],
    header,
    dataType: 'json',
    timeout: 10_000,
  };
}
