import type { Comment } from '@o2o/shared/schemas/content';

/** 3 pictures and more → 3 columns, 2 or 4 → 2 (a 2×2 square, as WeChat moments lay them), 1 → one larger picture. */
export function gridColumns(count: number): 1 | 2 | 3 {
  if (count <= 1) return 1;
  if (count === 2 || count === 4) return 2;
  return 3;
}

/**
 * Top-level comments in the server's order (oldest first), each with its replies in theirs. A reply
 * whose parent is not in the list (hidden, or from a later page) is shown at the top level rather
 * than lost.
 */
export function threadComments(comments: Comment[]): { comment: Comment; replies: Comment[] }[] {
  const threads = new Map<string, { comment: Comment; replies: Comment[] }>();
  const ordered: { comment: Comment; replies: Comment[] }[] = [];
  for (const comment of comments) {
    if (comment.parentId === null) {
      const thread = { comment, replies: [] };
      threads.set(comment.id, thread);
      ordered.push(thread);
    }
  }
  for (const comment of comments) {
    if (comment.parentId === null) continue;
    const thread = threads.get(comment.parentId);
    if (thread) thread.replies.push(comment);
    else ordered.push({ comment, replies: [] });
  }
  return ordered;
}
