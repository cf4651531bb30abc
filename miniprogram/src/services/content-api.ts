import './zod-jitless';
import { z } from 'zod';
import {
  createCommentSchema,
  createPostSchema,
  createReportSchema,
  commentSchema,
  feedSchema,
  postDetailSchema,
  postSchema,
  reactionStateSchema,
  reportResultSchema,
  shareCardSchema,
  showableOrdersSchema,
  type CreateComment,
  type CreatePost,
} from '@o2o/shared/schemas/content';
import { IMAGE_UPLOAD_FIELD, mediaImageSchema } from '@o2o/shared/schemas/media';
import { apiBaseUrl } from './platform';
import { client } from './session';

export type FeedSort = 'newest' | 'engaged';
export type ShownOrder = z.infer<typeof showableOrdersSchema>['orders'][number];
export type ReportReason = z.infer<typeof createReportSchema>['reason'];

/** An uploaded image's server path (`/media/images/…`) on the API's origin; anything else as it is. */
export function mediaUrl(address: string): string {
  return address.startsWith('/') ? `${apiBaseUrl().replace(/\/+$/, '')}${address}` : address;
}

/**
 * The resident's 邻里圈 calls (staff answering as the store use `comment` too). Bodies are checked
 * with the contract's request schemas before they are sent, answers parsed with its response schemas.
 */
export const contentApi = {
  feed: (sort: FeedSort, cursor?: string, storeId?: string) =>
    client.request({ method: 'GET', path: '/content/feed', query: { sort, cursor, storeId, limit: 10 }, response: feedSchema }),
  post: (postId: string) => client.request({ method: 'GET', path: `/content/posts/${postId}`, response: postDetailSchema }),
  createPost: (input: z.input<typeof createPostSchema>) =>
    client.request({ method: 'POST', path: '/content/posts', body: createPostSchema.parse(input) satisfies CreatePost, response: postSchema }),
  comment: (postId: string, input: z.input<typeof createCommentSchema>) =>
    client.request({ method: 'POST', path: `/content/posts/${postId}/comments`, body: createCommentSchema.parse(input) satisfies CreateComment, response: commentSchema }),
  like: (postId: string, on: boolean) => client.request({ method: on ? 'PUT' : 'DELETE', path: `/content/posts/${postId}/like`, response: reactionStateSchema }),
  save: (postId: string, on: boolean) => client.request({ method: on ? 'PUT' : 'DELETE', path: `/content/posts/${postId}/save`, response: reactionStateSchema }),
  share: (postId: string, idempotencyKey: string) =>
    client.request({ method: 'POST', path: `/content/posts/${postId}/shares`, body: { idempotencyKey }, response: shareCardSchema }),
  reportPost: (postId: string, reason: ReportReason) =>
    client.request({ method: 'POST', path: `/content/posts/${postId}/reports`, body: createReportSchema.parse({ reason }), response: reportResultSchema }),
  reportComment: (commentId: string, reason: ReportReason) =>
    client.request({ method: 'POST', path: `/content/comments/${commentId}/reports`, body: createReportSchema.parse({ reason }), response: reportResultSchema }),
  showOrders: () => client.request({ method: 'GET', path: '/content/show-orders', response: showableOrdersSchema }),
  /** A picture chosen on the phone (`Taro.chooseImage`'s temp path): the server checks, scales and stores it. */
  uploadImage: (filePath: string) => client.upload({ path: '/media/images', filePath, field: IMAGE_UPLOAD_FIELD, response: mediaImageSchema }),
};
