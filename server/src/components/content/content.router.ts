import { z } from 'zod';
import { objectIdSchema } from '@o2o/shared/schemas/common';
import {
  commentSchema,
  createCommentSchema,
  createPostSchema,
  createReportSchema,
  createShareSchema,
  feedQuerySchema,
  feedSchema,
  moderationQueueQuerySchema,
  moderationQueueSchema,
  pinPostSchema,
  postDetailSchema,
  postSchema,
  reactionStateSchema,
  reportResultSchema,
  setVisibilitySchema,
  shareCardSchema,
  showableOrdersSchema,
} from '@o2o/shared/schemas/content';
import type { Services } from '../../services';
import { ApiRouter } from '../../lib/api-router';
import { toObjectId } from '../../lib/ids';
import { principalOf, residentIdOf, staffOf } from '../auth/auth.guard';
import { viewerOf } from './content.service';

const postParams = z.object({ postId: objectIdSchema });
const commentParams = z.object({ commentId: objectIdSchema });

/**
 * `/content`: the neighbourhood feed (邻里圈) and 晒单. Residents read their store's feed, post,
 * comment, like, save, share and report; staff read the feeds of their stores, answer as the
 * store, pin, hide and restore.
 */
export function contentRouter({ guards, content }: Services): ApiRouter {
  const tags = ['content'];
  const staff = guards.staff();
  const reaction = (kind: 'like' | 'save', active: boolean) => ({
    params: postParams, response: reactionStateSchema, guards: guards.resident, authenticated: true as const, tags, errors: [404, 409],
    handler: async ({ params, req }: { params: z.output<typeof postParams>; req: Parameters<typeof residentIdOf>[0] }) =>
      content.react(residentIdOf(req), toObjectId(params.postId), kind, active),
  });
  return new ApiRouter('/content')
    .route({
      method: 'get', path: '/feed', tags, errors: [404, 409],
      summary: "A store's feed, newest or most engaged (likes + comments + saves + shares), pinned first; residents read their own store's (and it records a list-page visit), staff pass storeId",
      guards: guards.signedIn, authenticated: true, query: feedQuerySchema, response: feedSchema,
      handler: async ({ query, req }) => content.feed(viewerOf(principalOf(req)), query),
    })
    .route({
      method: 'post', path: '/posts', tags, status: 201, errors: [404, 409],
      summary: 'Post text with up to 9 uploaded images, optionally as a 晒单 of one of my completed orders; a retry with the same key answers the same post. Text that breaks the moderation rules is stored hidden, with a strike',
      guards: guards.resident, authenticated: true, body: createPostSchema, response: postSchema,
      handler: async ({ body, req }) => content.createPost(residentIdOf(req), body),
    })
    .route({
      method: 'get', path: '/show-orders', tags, errors: [404],
      summary: 'My completed orders a 晒单 may show (newest first, at most 20)',
      guards: guards.resident, authenticated: true, response: showableOrdersSchema,
      handler: async ({ req }) => content.showableOrders(residentIdOf(req)),
    })
    .route({
      method: 'get', path: '/posts/:postId', tags, errors: [404],
      summary: 'A post with its comments (oldest first, one level of replies); records a detail-page visit for residents',
      guards: guards.signedIn, authenticated: true, params: postParams, response: postDetailSchema,
      handler: async ({ params, req }) => content.detail(viewerOf(principalOf(req)), toObjectId(params.postId)),
    })
    .route({
      method: 'post', path: '/posts/:postId/comments', tags, status: 201, errors: [404, 409],
      summary: 'Comment or reply (a reply to a reply hangs under the same top-level comment); staff answer as the store. A retry with the same key answers the same comment',
      guards: guards.signedIn, authenticated: true, params: postParams, body: createCommentSchema, response: commentSchema,
      handler: async ({ params, body, req }) => content.createComment(viewerOf(principalOf(req)), toObjectId(params.postId), body),
    })
    .route({ method: 'put', path: '/posts/:postId/like', summary: 'Like a post (once per resident; repeating changes nothing)', ...reaction('like', true) })
    .route({ method: 'delete', path: '/posts/:postId/like', summary: 'Take back my like', ...reaction('like', false) })
    .route({ method: 'put', path: '/posts/:postId/save', summary: 'Save a post (once per resident; repeating changes nothing)', ...reaction('save', true) })
    .route({ method: 'delete', path: '/posts/:postId/save', summary: 'Take back my save', ...reaction('save', false) })
    .route({
      method: 'post', path: '/posts/:postId/shares', tags, errors: [404, 409],
      summary: "Share a post: a card whose path carries me as the sharer (the resident-share touch `tu`); counted once per key",
      guards: guards.resident, authenticated: true, params: postParams, body: createShareSchema, response: shareCardSchema,
      handler: async ({ params, body, req }) => content.share(residentIdOf(req), toObjectId(params.postId), body.idempotencyKey),
    })
    .route({
      method: 'post', path: '/posts/:postId/reports', tags, errors: [404],
      summary: 'Report a post (once per resident; again changes nothing)',
      guards: guards.resident, authenticated: true, params: postParams, body: createReportSchema, response: reportResultSchema,
      handler: async ({ params, body, req }) => content.report(residentIdOf(req), 'post', toObjectId(params.postId), body),
    })
    .route({
      method: 'post', path: '/comments/:commentId/reports', tags, errors: [404],
      summary: 'Report a comment (once per resident; again changes nothing)',
      guards: guards.resident, authenticated: true, params: commentParams, body: createReportSchema, response: reportResultSchema,
      handler: async ({ params, body, req }) => content.report(residentIdOf(req), 'comment', toObjectId(params.commentId), body),
    })
    .route({
      method: 'get', path: '/moderation', tags, errors: [404],
      summary: 'What needs a look in my stores: visible items with open reports, or hidden items (to restore a wrong one)',
      guards: staff, authenticated: true, query: moderationQueueQuerySchema, response: moderationQueueSchema,
      handler: async ({ query, req }) => content.moderationQueue(staffOf(req), query),
    })
    .route({
      method: 'post', path: '/posts/:postId/pin', tags, errors: [404],
      summary: 'Pin a post to the top of its feed, or unpin it',
      guards: staff, authenticated: true, params: postParams, body: pinPostSchema, response: postSchema,
      handler: async ({ params, body, req }) => content.pin(staffOf(req), toObjectId(params.postId), body.pinned),
    })
    .route({
      method: 'post', path: '/posts/:postId/visibility', tags, errors: [404],
      summary: "Hide a post (with a reason) or restore it; closes its reports",
      guards: staff, authenticated: true, params: postParams, body: setVisibilitySchema, response: postSchema,
      handler: async ({ params, body, req }) => content.setPostVisibility(staffOf(req), toObjectId(params.postId), body),
    })
    .route({
      method: 'post', path: '/comments/:commentId/visibility', tags, errors: [404],
      summary: 'Hide a comment (with a reason) or restore it; closes its reports',
      guards: staff, authenticated: true, params: commentParams, body: setVisibilitySchema, response: commentSchema,
      handler: async ({ params, body, req }) => content.setCommentVisibility(staffOf(req), toObjectId(params.commentId), body),
    });
}
