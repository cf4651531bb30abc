import type { MyTasks, TaskKind, TaskProgress } from '@o2o/shared/schemas/tasks';
import { ROUTES } from '../constants/routes';

export const TASK_GROUP_TITLES: Record<TaskKind, string> = { newbie: '新手任务', daily: '日常任务', special: '特定任务' };
const GROUP_ORDER: TaskKind[] = ['newbie', 'daily', 'special'];

export type TaskAction =
  /** The app checks in right here (the daily check-in). */
  | { kind: 'checkin'; label: string }
  /** The page where the task is really done: the profile form, the offers, the store's group, the invite poster. */
  | { kind: 'go'; label: string; url: string }
  /** Done elsewhere (in store, by staff): show the next step as a hint. */
  | { kind: 'hint'; label: string }
  | { kind: 'done'; label: string };

/** Where each kind of task is done in the app. A task completes only when the thing itself happens. */
const TASK_PAGES: Partial<Record<TaskProgress['eventType'], { label: string; url: string }>> = {
  profile_completed: { label: '去完善', url: ROUTES.profile },
  activity_viewed: { label: '去看看', url: ROUTES.offers },
  joined_group: { label: '去加入', url: ROUTES.store },
  first_order: { label: '去逛逛', url: ROUTES.offers },
  order_completed: { label: '去逛逛', url: ROUTES.offers },
  invite_succeeded: { label: '去邀请', url: ROUTES.invite },
  post_published: { label: '去发帖', url: ROUTES.compose },
  order_shown: { label: '去晒单', url: ROUTES.compose },
  comment_posted: { label: '去评论', url: ROUTES.feed },
  post_liked: { label: '去点赞', url: ROUTES.feed },
  post_saved: { label: '去看看', url: ROUTES.feed },
  post_shared: { label: '去分享', url: ROUTES.feed },
};

export interface TaskView {
  id: string;
  title: string;
  description: string;
  rewardText: string;
  progressText: string;
  /** 0..100 */
  percent: number;
  stateText: string;
  action: TaskAction;
  deadlineText: string | null;
  task: TaskProgress;
}

export interface TaskGroupView {
  kind: TaskKind;
  title: string;
  tasks: TaskView[];
  completed: number;
}

const STATE_TEXT: Record<TaskProgress['state'], string> = { not_started: '未开始', in_progress: '进行中', completed: '已完成' };

/** 剩 N 天 / 今天截止 for a task that stops applying; nothing for open-ended or finished tasks. */
export function deadlineText(task: TaskProgress, now: Date): string | null {
  if (!task.availableUntil || task.state === 'completed' || task.period !== 'once') return null;
  const msLeft = Date.parse(task.availableUntil) - now.getTime();
  if (Number.isNaN(msLeft) || msLeft <= 0) return null;
  const days = Math.floor(msLeft / 86_400_000);
  return days >= 1 ? `剩 ${days} 天` : '今天截止';
}

export function describeTask(task: TaskProgress, now: Date = new Date()): TaskView {
  const target = Math.max(task.target, 1);
  const progress = Math.min(Math.max(task.progress, 0), target);
  const completed = task.state === 'completed';
  let action: TaskAction;
  if (completed) action = { kind: 'done', label: task.period === 'daily' ? '今日已完成' : task.period === 'weekly' ? '本周已完成' : '已完成' };
  else if (task.eventType === 'group_checkin') action = { kind: 'checkin', label: '去签到' };
  else if (TASK_PAGES[task.eventType]) action = { kind: 'go', ...TASK_PAGES[task.eventType]! };
  else action = { kind: 'hint', label: task.nextStep };
  return {
    id: task.taskId,
    title: task.title,
    description: task.description,
    rewardText: task.rewardPoints > 0 ? `+${task.rewardPoints} 积分` : '',
    progressText: `${completed ? target : progress}/${target}`,
    percent: completed ? 100 : Math.round((progress / target) * 100),
    stateText: STATE_TEXT[task.state],
    action,
    deadlineText: deadlineText(task, now),
    task,
  };
}

/**
 * Groups in the fixed order newbie, daily, special. Within a group the unfinished tasks come first
 * (keeping the server's display order), so the next thing to do is always on top. A group with no
 * tasks is left out; a newbie group whose every task is done stays, as a sense of achievement.
 */
export function groupTasks(tasks: MyTasks, now: Date = new Date()): TaskGroupView[] {
  return GROUP_ORDER.filter((kind) => tasks[kind].length > 0).map((kind) => {
    const views = tasks[kind].map((task) => describeTask(task, now));
    const open = views.filter((view) => view.action.kind !== 'done');
    const done = views.filter((view) => view.action.kind === 'done');
    return { kind, title: TASK_GROUP_TITLES[kind], tasks: [...open, ...done], completed: done.length };
  });
}

/** The single most useful next step for the home page header. */
export function nextTask(groups: TaskGroupView[]): TaskView | null {
  for (const group of groups) {
    const open = group.tasks.find((task) => task.action.kind !== 'done');
    if (open) return open;
  }
  return null;
}
