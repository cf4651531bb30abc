import type { TaskProgress } from '@o2o/shared/schemas/tasks';
import { describeTask, groupTasks, nextTask } from './task-display';

const now = new Date('2026-11-22T08:00:00Z');
function task(overrides: Partial<TaskProgress>): TaskProgress {
  return {
    taskId: 'a'.repeat(24),
    kind: 'newbie',
    eventType: 'joined_group',
    title: '加入门店社群',
    description: '',
    nextStep: '去门店扫码加入社群',
    rewardPoints: 10,
    target: 1,
    progress: 0,
    state: 'not_started',
    period: 'once',
    periodKey: 'once',
    availableUntil: null,
    ...overrides,
  };
}

describe('task display rules', () => {
  it('when a task can only be done outside the app, then its next step is shown as a hint', () => {
    expect(describeTask(task({ eventType: 'store_visited', nextStep: '到店找店员登记' }), now).action).toEqual({ kind: 'hint', label: '到店找店员登记' });
  });

  it('sends each task to the page where it is really done, never paying for a tap', () => {
    expect(describeTask(task({ eventType: 'profile_completed' }), now).action).toEqual({ kind: 'go', label: '去完善', url: '/pages/profile/index' });
    expect(describeTask(task({ eventType: 'activity_viewed' }), now).action).toEqual({ kind: 'go', label: '去看看', url: '/pages/offers/index' });
    expect(describeTask(task({ eventType: 'joined_group' }), now).action).toEqual({ kind: 'go', label: '去加入', url: '/pages/store/index' });
    expect(describeTask(task({ eventType: 'invite_succeeded' }), now).action).toMatchObject({ kind: 'go', url: '/pages/invite/index' });
  });

  it('sends content tasks (发一条晒单, 本周评论 3 次) to the composer or the feed', () => {
    expect(describeTask(task({ eventType: 'order_shown' }), now).action).toEqual({ kind: 'go', label: '去晒单', url: '/pages/compose/index' });
    expect(describeTask(task({ eventType: 'post_published' }), now).action).toEqual({ kind: 'go', label: '去发帖', url: '/pages/compose/index' });
    expect(describeTask(task({ eventType: 'comment_posted', kind: 'special', target: 3 }), now).action).toEqual({ kind: 'go', label: '去评论', url: '/pages/feed/index' });
    for (const eventType of ['post_liked', 'post_saved', 'post_shared'] as const) expect(describeTask(task({ eventType }), now).action).toMatchObject({ kind: 'go', url: '/pages/feed/index' });
  });

  it('checks in right here for the daily check-in', () => {
    expect(describeTask(task({ kind: 'daily', period: 'daily', eventType: 'group_checkin' }), now).action).toEqual({ kind: 'checkin', label: '去签到' });
  });

  it('shows progress against the target, capped, and the reward', () => {
    const view = describeTask(task({ target: 3, progress: 5, state: 'in_progress', rewardPoints: 50 }), now);
    expect(view).toMatchObject({ progressText: '3/3', percent: 100, rewardText: '+50 积分', stateText: '进行中' });
    expect(describeTask(task({ target: 2, progress: 1, state: 'in_progress' }), now).percent).toBe(50);
  });

  it('a completed daily task says it is done for today', () => {
    expect(describeTask(task({ kind: 'daily', period: 'daily', state: 'completed', progress: 1 }), now).action).toEqual({ kind: 'done', label: '今日已完成' });
  });

  it('a newbie task shows how many days are left in its window', () => {
    expect(describeTask(task({ availableUntil: '2026-11-29T08:49:55.522Z' }), now).deadlineText).toBe('剩 7 天');
    expect(describeTask(task({ availableUntil: '2026-11-22T20:00:00Z' }), now).deadlineText).toBe('今天截止');
    expect(describeTask(task({ availableUntil: '2026-11-29T08:00:00Z', state: 'completed' }), now).deadlineText).toBeNull();
  });

  it('groups newbie, daily, special in order, open tasks first, and drops empty groups', () => {
    const groups = groupTasks(
      {
        newbie: [task({ taskId: '1'.repeat(24), state: 'completed', progress: 1 }), task({ taskId: '2'.repeat(24) })],
        daily: [],
        special: [task({ taskId: '3'.repeat(24), kind: 'special' })],
      },
      now,
    );
    expect(groups.map((group) => group.title)).toEqual(['新手任务', '特定任务']);
    expect(groups[0].tasks.map((view) => view.id[0])).toEqual(['2', '1']);
    expect(groups[0].completed).toBe(1);
    expect(nextTask(groups)?.id).toBe('2'.repeat(24));
  });

  it('when everything is done, there is no next task', () => {
    expect(nextTask(groupTasks({ newbie: [task({ state: 'completed', progress: 1 })], daily: [], special: [] }, now))).toBeNull();
  });
});
