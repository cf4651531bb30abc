import type { Comment } from '@o2o/shared/schemas/content';
import { gridColumns, threadComments } from './content-display';

function comment(id: string, parentId: string | null, replyToName: string | null = null): Comment {
  return {
    id: id.padStart(24, '0'),
    postId: 'a'.repeat(24),
    author: { residentId: null, name: `王${id}`, avatarUrl: null, asStore: false },
    text: `评论 ${id}`,
    parentId: parentId ? parentId.padStart(24, '0') : null,
    replyToName,
    status: 'visible',
    hiddenReason: null,
    mine: false,
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, Number(id))).toISOString(),
  };
}

describe('the post page', () => {
  it('lays pictures out as WeChat moments do: one large, 2 and 4 in two columns, the rest in three', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(gridColumns)).toEqual([1, 1, 2, 3, 2, 3, 3, 3, 3, 3]);
  });

  it('hangs replies under their top-level comment, in the order they came, both threads kept', () => {
    const threads = threadComments([comment('1', null), comment('2', null), comment('3', '1', '王1'), comment('4', '2', '王2'), comment('5', '1', '王3')]);
    expect(threads.map((thread) => [thread.comment.text, thread.replies.map((reply) => reply.text)])).toEqual([
      ['评论 1', ['评论 3', '评论 5']],
      ['评论 2', ['评论 4']],
    ]);
  });

  it('shows a reply whose parent is missing (hidden from this reader) at the top level instead of dropping it', () => {
    const threads = threadComments([comment('1', null), comment('2', '9', '王9')]);
    expect(threads.map((thread) => thread.comment.text)).toEqual(['评论 1', '评论 2']);
  });
});
