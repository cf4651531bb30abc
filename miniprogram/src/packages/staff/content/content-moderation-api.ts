import { z } from 'zod';
import { commentSchema, createCommentSchema, moderationQueueSchema, pinPostSchema, postSchema, setVisibilitySchema } from '@o2o/shared/schemas/content';
import { client } from '../../../services/session';

export type QueueStatus = 'reported' | 'hidden';

/** The staff's 邻里圈 moderation calls; bodies checked with the contract, answers parsed with it. */
export const contentModerationApi = {
  queue: (status: QueueStatus) => client.request({ method: 'GET', path: '/content/moderation', query: { status, limit: 50 }, response: moderationQueueSchema }),
  setVisibility: (kind: 'post' | 'comment', id: string, input: z.input<typeof setVisibilitySchema>) =>
    client.request({ method: 'POST', path: `/content/${kind === 'post' ? 'posts' : 'comments'}/${id}/visibility`, body: setVisibilitySchema.parse(input) }),
  pin: (postId: string, pinned: boolean) => client.request({ method: 'POST', path: `/content/posts/${postId}/pin`, body: pinPostSchema.parse({ pinned }), response: postSchema }),
  answerAsStore: (postId: string, input: z.input<typeof createCommentSchema>) =>
    client.request({ method: 'POST', path: `/content/posts/${postId}/comments`, body: createCommentSchema.parse(input), response: commentSchema }),
};
