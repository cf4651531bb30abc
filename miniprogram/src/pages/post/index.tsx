import { Input, Text, View } from '@tarojs/components';
import Taro, { usePullDownRefresh, useRouter, useShareAppMessage } from '@tarojs/taro';
import { useEffect, useRef, useState } from 'react';
import { COMMENT_TEXT_MAX, REPORT_REASON_LABELS, REPORT_REASONS, type Comment, type Post, type PostDetail } from '@o2o/shared/schemas/content';
import { Btn } from '../../components/button';
import { COLORS, Icon } from '../../components/icon';
import { AuthorAvatar, AuthorLine, HiddenNotice, ImageGrid, OrderChip } from '../../components/post-parts';
import { LoadingState, StateView } from '../../components/state-view';
import { useRequest } from '../../hooks/use-request';
import { useResidentPage } from '../../hooks/use-resident-page';
import { idempotencyKey } from '../../services/api';
import { contentApi, mediaUrl, type ReportReason } from '../../services/content-api';
import { threadComments } from '../../services/content-display';
import { errorText } from '../../services/errors';
import { formatDateTime } from '../../services/format';
import { toast } from '../../services/navigation';
import { isH5 } from '../../services/platform';

type ReportTarget = { kind: 'post'; id: string } | { kind: 'comment'; id: string; name: string };

/** 举报: the reasons the server knows, as a sheet from the bottom. */
function ReportSheet({ target, onClose, onReported }: { target: ReportTarget; onClose: () => void; onReported: () => void }) {
  const [sending, setSending] = useState<ReportReason | null>(null);
  const report = async (reason: ReportReason) => {
    setSending(reason);
    try {
      const result = target.kind === 'post' ? await contentApi.reportPost(target.id, reason) : await contentApi.reportComment(target.id, reason);
      toast(result.reported ? '已举报，门店会尽快处理' : '已举报', 'none');
      onReported();
    } catch (error) {
      toast(errorText(error));
    } finally {
      setSending(null);
    }
  };
  return (
    <View className='sheet-mask' data-testid='report-sheet' onClick={onClose}>
      <View className='sheet' onClick={(event) => event.stopPropagation()}>
        <Text className='sheet-title'>{target.kind === 'post' ? '举报这条帖子' : `举报 ${target.name} 的评论`}</Text>
        {REPORT_REASONS.map((reason) => (
          <View key={reason} className='sheet-item' data-testid={`report-reason-${reason}`} onClick={() => (sending ? undefined : void report(reason))}>
            <Text>{sending === reason ? '提交中…' : REPORT_REASON_LABELS[reason]}</Text>
          </View>
        ))}
        <View className='sheet-item sheet-cancel' onClick={onClose}>
          <Text>取消</Text>
        </View>
      </View>
    </View>
  );
}

function CommentRow({ comment, onReply, onReport, reply }: { comment: Comment; onReply: (comment: Comment) => void; onReport: (comment: Comment) => void; reply?: boolean }) {
  return (
    <View className={reply ? 'comment comment-reply' : 'comment'} data-testid={reply ? 'comment-reply' : 'comment'} data-comment-id={comment.id}>
      <AuthorAvatar author={comment.author} />
      <View className='grow gap-16'>
        <View className='row-start'>
          <Text className='comment-author ellipsis'>{comment.author.name}</Text>
          {comment.author.asStore ? <Text className='tag tag-solid' data-testid='badge-store'>门店</Text> : null}
        </View>
        {comment.mine && comment.status === 'hidden' ? <HiddenNotice reason={comment.hiddenReason} /> : null}
        <Text className='comment-text' data-testid='comment-text'>
          {comment.replyToName ? <Text className='comment-reply-to'>{`回复 ${comment.replyToName}：`}</Text> : null}
          {comment.text}
        </Text>
        <View className='row-start comment-meta'>
          <Text className='caption'>{formatDateTime(comment.createdAt)}</Text>
          <Text className='comment-link' data-testid='comment-reply-button' onClick={() => onReply(comment)}>
            回复
          </Text>
          {!comment.mine && !comment.author.asStore ? (
            <Text className='comment-link' data-testid='comment-report' onClick={() => onReport(comment)}>
              举报
            </Text>
          ) : null}
        </View>
      </View>
    </View>
  );
}

function PostActions({ post, onChange, onShare, onReport, sharing }: { post: Post; onChange: (post: Post) => void; onShare: () => void; onReport: () => void; sharing: boolean }) {
  const [busy, setBusy] = useState<'like' | 'save' | null>(null);
  const toggle = async (kind: 'like' | 'save') => {
    setBusy(kind);
    try {
      if (kind === 'like') {
        const state = await contentApi.like(post.id, !post.liked);
        onChange({ ...post, liked: state.active, counts: { ...post.counts, likes: state.count } });
      } else {
        const state = await contentApi.save(post.id, !post.saved);
        onChange({ ...post, saved: state.active, counts: { ...post.counts, saves: state.count } });
        toast(state.active ? '已收藏' : '已取消收藏');
      }
    } catch (error) {
      toast(errorText(error));
    } finally {
      setBusy(null);
    }
  };
  return (
    <View className='post-actions post-actions-detail'>
      <View className={`post-action ${post.liked ? 'post-action-on' : ''}`} data-testid='post-like' data-liked={post.liked ? 'true' : 'false'} onClick={() => (busy ? undefined : void toggle('like'))}>
        <Icon name={post.liked ? 'heart-on' : 'heart'} color={COLORS.muted} size={40} />
        <Text className='post-action-text' data-testid='post-like-count'>{`${post.counts.likes} 赞`}</Text>
      </View>
      <View className={`post-action ${post.saved ? 'post-action-on' : ''}`} data-testid='post-save' data-saved={post.saved ? 'true' : 'false'} onClick={() => (busy ? undefined : void toggle('save'))}>
        <Icon name={post.saved ? 'star-on' : 'star'} color={COLORS.muted} size={40} />
        <Text className='post-action-text' data-testid='post-save-count'>{`${post.counts.saves} 收藏`}</Text>
      </View>
      {isH5 ? (
        <View className='post-action' data-testid='post-share' onClick={() => (sharing ? undefined : onShare())}>
          <Icon name='share' color={COLORS.muted} size={40} />
          <Text className='post-action-text' data-testid='post-share-count'>{sharing ? '生成中…' : `${post.counts.shares} 分享`}</Text>
        </View>
      ) : (
        // WeChat: the share card comes from onShareAppMessage, which a share button opens.
        <Btn small variant='ghost' openType='share' testId='post-share' className='post-share-button'>
          {`${post.counts.shares} 分享`}
        </Btn>
      )}
      {!post.mine ? (
        <View className='post-action' data-testid='post-report' onClick={onReport}>
          <Icon name='flag' color={COLORS.muted} size={40} />
          <Text className='post-action-text'>举报</Text>
        </View>
      ) : null}
    </View>
  );
}

function PostBody({ detail, onReload }: { detail: PostDetail; onReload: () => void }) {
  const [post, setPost] = useState(detail.post);
  const [comments, setComments] = useState(detail.comments);
  const [replyTo, setReplyTo] = useState<Comment | null>(null);
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const [reporting, setReporting] = useState<ReportTarget | null>(null);
  const [sharePath, setSharePath] = useState<string | null>(null);
  const [sharing, setSharing] = useState(false);
  // One key per comment being written: a retry after a lost answer is the same comment.
  const commentKey = useRef(idempotencyKey('comment'));
  const shareKey = useRef(idempotencyKey('share'));

  useEffect(() => {
    setPost(detail.post);
    setComments(detail.comments);
  }, [detail]);

  const share = async () => {
    setSharing(true);
    try {
      const card = await contentApi.share(post.id, shareKey.current);
      shareKey.current = idempotencyKey('share');
      setPost((current) => ({ ...current, counts: { ...current.counts, shares: card.shares } }));
      setSharePath(card.path);
      await Taro.setClipboardData({ data: card.path }).catch(() => undefined);
    } catch (error) {
      toast(errorText(error));
    } finally {
      setSharing(false);
    }
  };

  useShareAppMessage(() => {
    const key = shareKey.current;
    shareKey.current = idempotencyKey('share');
    const fallback = { title: post.text.slice(0, 30) || '邻里圈', path: `/pages/post/index?id=${post.id}` };
    return {
      ...fallback,
      // WeChat waits up to 3 s for the card that carries the sharer; without it the plain path is shared.
      promise: contentApi.share(post.id, key).then(
        (card) => ({ title: card.title, path: card.path, ...(card.imageUrl ? { imageUrl: mediaUrl(card.imageUrl) } : {}) }),
        () => fallback,
      ),
    };
  });

  const textLength = Array.from(text.trim()).length;
  const canSend = textLength > 0 && textLength <= COMMENT_TEXT_MAX && !sending;
  const send = async () => {
    if (!canSend) return;
    setSending(true);
    try {
      const comment = await contentApi.comment(post.id, { text, ...(replyTo ? { replyTo: replyTo.id } : {}), idempotencyKey: commentKey.current });
      commentKey.current = idempotencyKey('comment');
      setText('');
      setReplyTo(null);
      if (comment.status === 'hidden') toast(`内容未通过审核：${comment.hiddenReason ?? '不符合邻里圈规范'}`);
      setComments((current) => (current.some((known) => known.id === comment.id) ? current : [...current, comment]));
      setPost((current) => ({ ...current, counts: { ...current.counts, comments: current.counts.comments + (comment.status === 'visible' ? 1 : 0) } }));
    } catch (error) {
      toast(errorText(error));
    } finally {
      setSending(false);
    }
  };

  const threads = threadComments(comments);
  return (
    <View>
      <View className='card' data-testid='post-detail' data-post-id={post.id}>
        <AuthorLine author={post.author} createdAt={post.createdAt} pinned={post.pinned} />
        {post.mine && post.status === 'hidden' ? <HiddenNotice reason={post.hiddenReason} /> : null}
        <Text className='post-text' data-testid='post-text'>
          {post.text}
        </Text>
        <ImageGrid images={post.images} />
        {post.order ? <OrderChip order={post.order} /> : null}
        {post.status === 'visible' ? (
          <PostActions post={post} onChange={setPost} onShare={() => void share()} onReport={() => setReporting({ kind: 'post', id: post.id })} sharing={sharing} />
        ) : (
          // The server refuses reactions and comments on a hidden post: none are offered.
          <Text className='caption block mt-16' data-testid='post-locked'>{`${post.counts.likes} 赞 · ${post.counts.saves} 收藏 · ${post.counts.shares} 分享。帖子已隐藏，不能再点赞、收藏、评论或分享`}</Text>
        )}
        {sharePath ? (
          <View className='notice notice-block mt-16' data-testid='share-path'>
            <Icon name='copy' color={COLORS.warn} size={32} />
            <Text className='notice-text share-path-text'>{`分享链接已复制：${sharePath}`}</Text>
          </View>
        ) : null}
      </View>
      <View className='card' data-testid='comments'>
        <Text className='card-title'>{`评论 ${post.counts.comments}`}</Text>
        {threads.length === 0 ? (
          <Text className='muted block mt-16' data-testid='comments-empty'>还没有评论，来说两句吧</Text>
        ) : (
          threads.map(({ comment, replies }) => (
            <View key={comment.id} className='comment-thread'>
              <CommentRow comment={comment} onReply={setReplyTo} onReport={(target) => setReporting({ kind: 'comment', id: target.id, name: target.author.name })} />
              {replies.map((reply) => (
                <CommentRow key={reply.id} reply comment={reply} onReply={setReplyTo} onReport={(target) => setReporting({ kind: 'comment', id: target.id, name: target.author.name })} />
              ))}
            </View>
          ))
        )}
      </View>
      {post.status === 'visible' ? <View className='comment-bar-space' /> : null}
      {post.status === 'visible' ? (
        <View className='comment-bar' data-testid='comment-bar'>
          {replyTo ? (
            <View className='row comment-bar-reply' data-testid='comment-replying'>
              <Text className='caption ellipsis'>{`回复 ${replyTo.author.name}`}</Text>
              <Text className='comment-link' onClick={() => setReplyTo(null)}>
                取消
              </Text>
            </View>
          ) : null}
          <View className='row-start'>
            <Input
              className='input grow comment-input'
              placeholder={replyTo ? `回复 ${replyTo.author.name}` : '说点什么…'}
              maxlength={COMMENT_TEXT_MAX}
              value={text}
              confirmType='send'
              onInput={(event) => setText(event.detail.value)}
              onConfirm={() => void send()}
              data-testid='comment-input'
            />
            <View className='gap-16'>
              <Btn small disabled={!canSend} onClick={() => void send()} testId='comment-send'>
                {sending ? '发送中' : '发送'}
              </Btn>
            </View>
          </View>
        </View>
      ) : null}
      {reporting ? (
        <ReportSheet
          target={reporting}
          onClose={() => setReporting(null)}
          onReported={() => {
            setReporting(null);
            onReload();
          }}
        />
      ) : null}
    </View>
  );
}

export default function PostPage() {
  const allowed = useResidentPage();
  const postId = useRouter().params.id ?? '';
  const detail = useRequest(() => contentApi.post(postId), [postId], allowed && postId !== '');
  usePullDownRefresh(() => {
    void detail.reload().finally(() => Taro.stopPullDownRefresh());
  });

  if (!allowed) return <View className='page'><LoadingState /></View>;
  return (
    <View className='page' data-testid='page-post'>
      <StateView loading={detail.loading} error={postId ? detail.error : new Error('没有找到这条帖子')} data={detail.data} onRetry={() => void detail.reload()} skeletonRows={3}>
        {(data) => <PostBody detail={data} onReload={() => void detail.reload()} />}
      </StateView>
    </View>
  );
}
