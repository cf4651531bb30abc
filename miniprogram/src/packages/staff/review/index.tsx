import { Text, View } from '@tarojs/components';
import { useState } from 'react';
import { z } from 'zod';
import { reviewSchema, reviewSummarySchema, type Review } from '@o2o/shared/schemas/metrics';
import { StaffPage } from '../../../components/staff-nav';
import { StateView } from '../../../components/state-view';
import { useRequest } from '../../../hooks/use-request';
import { formatMonthDay, percentText } from '../../../services/format';
import { client } from '../../../services/session';
import { ColumnChart } from '../components/charts';
import { contentIsEmpty, DAILY_SERIES_TEXT, dailyPoints, engagementText, figureRows, type DailySeries } from './review-content';
import '../staff.css';

const REVIEWS_SHOWN = 6;

const loadReviews = async () => z.array(reviewSummarySchema).parse(await client.request({ method: 'GET', path: '/metrics/reviews', query: { limit: String(REVIEWS_SHOWN) } }));
const loadReview = async (id: string): Promise<Review> => reviewSchema.parse(await client.request({ method: 'GET', path: `/metrics/reviews/${id}` }));

const periodText = (from: string, to: string) => `${formatMonthDay(from)} - ${formatMonthDay(to)}`;
/** Short enough for three periods on a row of chips. */
const shortPeriod = (from: string, to: string) => `${Number(from.slice(5, 7))}/${Number(from.slice(8))} - ${Number(to.slice(5, 7))}/${Number(to.slice(8))}`;

function NewbieTasks({ review }: { review: Review }) {
  const funnel = review.newbieTasks;
  return (
    <View className='card' data-testid='review-newbie'>
      <Text className='card-title'>新手任务</Text>
      <View className='count-grid'>
        <View className='count-cell'><Text className='count-number'>{funnel.saw}</Text><Text className='caption'>看到任务</Text></View>
        <View className='count-cell'><Text className='count-number'>{percentText(funnel.openRate)}</Text><Text className='caption'>{`开启率（${funnel.started} 人）`}</Text></View>
        <View className='count-cell'><Text className='count-number'>{percentText(funnel.completionRate)}</Text><Text className='caption'>{`完成率（${funnel.completed} 人）`}</Text></View>
      </View>
      {funnel.tasks.length > 0 ? (
        <View>
          <View className='table-row table-head'>
            <Text className='table-cell-name'>任务</Text>
            <Text className='table-cell'>看到</Text>
            <Text className='table-cell'>开启率</Text>
            <Text className='table-cell'>完成率</Text>
          </View>
          {funnel.tasks.map((task) => (
            <View key={task.taskId} className='table-row'>
              <Text className='table-cell-name ellipsis'>{task.title}</Text>
              <Text className='table-cell'>{task.saw}</Text>
              <Text className='table-cell'>{percentText(task.openRate)}</Text>
              <Text className='table-cell'>{percentText(task.completionRate)}</Text>
            </View>
          ))}
        </View>
      ) : null}
    </View>
  );
}

/** Posts, comments and likes per day, the figures beside the previous period's, top posts and list vs detail visitors. */
function ContentSection({ review }: { review: Review }) {
  const [series, setSeries] = useState<DailySeries>('posts');
  const content = review.content;
  if (contentIsEmpty(content)) {
    return (
      <View className='card' data-testid='review-content'>
        <Text className='card-title'>邻里圈内容</Text>
        <Text className='caption' data-testid='review-content-empty'>本期和上期都还没有邻里圈内容：居民发帖、评论、点赞后这里会有数据</Text>
      </View>
    );
  }
  const chart = dailyPoints(content, series);
  return (
    <View className='card' data-testid='review-content'>
      <Text className='card-title'>邻里圈内容</Text>
      <Text className='caption'>{`上期 ${periodText(content.previous.from, content.previous.to)}；隐藏的帖子和评论不计入`}</Text>
      <View className='segmented mt-8'>
        {(Object.keys(DAILY_SERIES_TEXT) as DailySeries[]).map((option) => (
          <View key={option} className={`segment ${option === series ? 'segment-on' : ''}`} onClick={() => setSeries(option)} data-testid={`review-content-${option}`}>
            <Text>{`每天${DAILY_SERIES_TEXT[option]}`}</Text>
          </View>
        ))}
      </View>
      <Text className='caption'>{`本期 ${periodText(content.current.from, content.current.to)}，横轴为几号`}</Text>
      <ColumnChart testId='review-content-chart' unit={chart.unit} outerLabel={DAILY_SERIES_TEXT[series]} points={chart.points} />
      <View className='table-row table-head'>
        <Text className='table-cell-name'>指标</Text>
        <Text className='table-cell'>本期</Text>
        <Text className='table-cell'>上期</Text>
        <Text className='table-cell'>变化</Text>
      </View>
      {figureRows(content).map((row) => (
        <View key={row.key} className='table-row' data-testid='review-content-figure' data-figure={row.key}>
          <Text className='table-cell-name'>{row.label}</Text>
          <Text className='table-cell'>{row.current}</Text>
          <Text className='table-cell'>{row.previous}</Text>
          <Text className='table-cell'>{row.change}</Text>
        </View>
      ))}
      <Text className='caption'>每帖互动 = 本期收到的点赞、评论、收藏和转发；进详情比例 = 详情页访客 ÷ 列表页访客，变化以百分点计</Text>
      <Text className='section-title'>互动最多的帖子</Text>
      {content.current.topPosts.length === 0 ? <Text className='caption'>本期还没有帖子</Text> : null}
      {content.current.topPosts.map((post, index) => (
        <View key={post.postId} className='bar-row' data-testid='review-top-post'>
          <View className='row row-start'>
            <Text className='bar-value review-rank'>{`${index + 1}`}</Text>
            <Text className='ellipsis bar-label'>{post.text || '（仅图片）'}</Text>
          </View>
          <Text className='caption'>{engagementText(post)}</Text>
        </View>
      ))}
    </View>
  );
}

function ReviewBody({ id }: { id: string }) {
  const review = useRequest(() => loadReview(id), [id]);
  return (
    <StateView loading={review.loading} error={review.error} data={review.data} onRetry={() => void review.reload()}>
      {(data) => (
        <View data-testid='review-body' data-review={data.id}>
          <NewbieTasks review={data} />
          <ContentSection review={data} />
          <View className='card'>
            <Text className='card-title'>注册 7 天首单转化</Text>
            {data.conversionTrend.map((row) => (
              <View key={row.from} className='table-row'>
                <Text className='table-cell-name'>{periodText(row.from, row.to)}</Text>
                <Text className='table-cell'>{`${row.registrations} 人注册`}</Text>
                <Text className='table-cell'>{percentText(row.rate)}</Text>
              </View>
            ))}
          </View>
        </View>
      )}
    </StateView>
  );
}

export default function ReviewPage() {
  const reviews = useRequest(loadReviews, []);
  const [chosen, setChosen] = useState<string | null>(null);
  return (
    <StaffPage page='review'>
      <StateView
        loading={reviews.loading}
        error={reviews.error}
        data={reviews.data}
        onRetry={() => void reviews.reload()}
        isEmpty={(list) => list.length === 0}
        emptyText='还没有复盘报告：每两周结束后自动生成'
      >
        {(list) => {
          const id = chosen ?? list[0].id;
          return (
            <View>
              <View className='chips'>
                {list.map((summary) => (
                  <View key={summary.id} className={`chip review-period ${summary.id === id ? 'chip-on' : ''}`} onClick={() => setChosen(summary.id)} data-testid='review-period'>
                    <Text>{shortPeriod(summary.from, summary.to)}</Text>
                  </View>
                ))}
              </View>
              <ReviewBody id={id} />
            </View>
          );
        }}
      </StateView>
    </StaffPage>
  );
}
