import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Types } from 'mongoose';
import QRCode from 'qrcode';
import sharp from 'sharp';
import request from 'supertest';
import { DEMO_LOGINS, seedDemoData } from '../../seed/demo-data';
import { bearer, login } from '../../testing/api-helpers';
import { createTestApplication } from '../../testing/test-app';
import { useTestDatabase } from '../../testing/test-database';
import { MediaImageModel } from '../media/media.model';
import { StoreModel } from '../organisation/organisation.model';
import { seedDemoCatalogue } from '../products/products.seed';
import { TaskEventModel } from '../tasks/tasks.model';
import {
  ContentCommentModel,
  ContentPostModel,
  ContentReactionModel,
  ContentReportModel,
  ContentShareModel,
  ContentStrikeModel,
  ContentVisitModel,
} from './content.model';

useTestDatabase();
jest.setTimeout(180_000);

const dataDir = mkdtempSync(path.join(tmpdir(), 'content-test-'));
const mediaDir = path.join(dataDir, 'media');
const application = createTestApplication({ env: { DATA_DIR: dataDir, RATE_LIMIT_MAX: '1000000' } });
const { app, services } = application;

type Session = Awaited<ReturnType<typeof login>>;
let managerA: Session;
let managerB: Session;
let storeA: string;
let storeAName: string;
let brandSceneA = '';
let residentCount = 0;
let keyCount = 0;

beforeAll(async () => {
  await seedDemoData();
  await seedDemoCatalogue();
  [managerA, managerB] = await Promise.all([DEMO_LOGINS.managers[0], DEMO_LOGINS.managers[1]].map((code) => login(app, code)));
  storeA = managerA.staff!.storeId!;
  storeAName = (await StoreModel.findById(storeA).lean())!.name;
  brandSceneA = (await request(app).get('/codes?type=brand').set(bearer(managerA))).body[0].scene;
});
afterAll(async () => {
  await application.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A resident of store A (signed in through its brand code). */
async function newResident(): Promise<Session & { id: Types.ObjectId }> {
  residentCount += 1;
  const session = await login(app, `dev:content-resident-${residentCount}`, { scene: brandSceneA });
  expect(session.residentId).toBeTruthy();
  return { ...session, id: new Types.ObjectId(session.residentId!) };
}

const key = (label: string) => `${label}-${(keyCount += 1)}-${randomBytes(4).toString('hex')}`;

/** A picture with detail, distinct per seed, so each upload is a new image. */
async function picture(seed: number, width = 640, height = 480): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i += 1) pixels[i] = (i * 7919 + seed * 104729 + (i >> 7)) % 251;
  return sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

const upload = (session: Session, bytes: Buffer, filename = 'photo.jpg', contentType = 'image/jpeg', target = app) =>
  request(target).post('/media/images').set(bearer(session)).attach('file', bytes, { filename, contentType });

const createPost = (session: Session, body: Record<string, unknown>) => request(app).post('/content/posts').set(bearer(session)).send(body);
const eventsOf = (residentId: Types.ObjectId, type: string) => TaskEventModel.find({ residentId, type: type as never }).lean();

function signedOrder(body: object) {
  const raw = JSON.stringify(body);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', services.config.ORDER_WEBHOOK_SECRET).update(`${timestamp}.${raw}`).digest('hex');
  return request(app).post('/orders/webhook').set('content-type', 'application/json').set('x-timestamp', timestamp).set('x-signature', signature).send(raw);
}

async function order(resident: Session, orderId: string, statuses: ('paid' | 'completed')[]): Promise<void> {
  const base = { orderId, storeId: storeA, residentId: resident.residentId, lines: [{ productId: 'SKU-VEG-001', quantity: 1, amountCents: 350 }, { productId: 'SKU-VEG-002', quantity: 2, amountCents: 1160 }], totalCents: 1510 };
  for (const status of statuses) {
    const response = await signedOrder({ ...base, eventId: `${orderId}-${status}`, status, occurredAt: new Date().toISOString() });
    expect(response.status).toBeLessThan(300);
  }
}

describe('posting, commenting and liking', () => {
  it('when a resident posts with images and a neighbour comments and likes, each sent several times at once, then each is counted once', async () => {
    const author = await newResident();
    const neighbour = await newResident();
    const images = [await upload(author, await picture(1)), await upload(author, await picture(2))];
    for (const image of images) expect(image.status).toBe(201);
    const uploaded = await MediaImageModel.findById(images[0].body.id).lean();
    expect(uploaded).toMatchObject({ uploaderKind: 'resident' });
    expect(String(uploaded!.uploadedBy)).toBe(author.residentId);

    const body = { text: '今天在店里买的青菜很新鲜，推荐给邻居们', imageIds: images.map((image) => image.body.id), idempotencyKey: key('post') };
    const posted = await Promise.all([1, 2, 3, 4].map(() => createPost(author, body)));
    for (const response of posted) expect(response.status).toBe(201);
    const postId = posted[0].body.id;
    for (const response of posted) expect(response.body.id).toBe(postId);
    expect(posted[0].body).toMatchObject({ kind: 'post', status: 'visible', storeId: storeA, mine: true, author: { residentId: author.residentId, asStore: false }, order: null });
    expect(posted[0].body.images.map((image: { id: string }) => image.id)).toEqual(body.imageIds);
    expect(await ContentPostModel.countDocuments({ 'author.residentId': author.id })).toBe(1);
    expect(await eventsOf(author.id, 'post_published')).toHaveLength(1);

    const comment = { text: '看着不错，明天也去买', idempotencyKey: key('comment') };
    const commented = await Promise.all([1, 2, 3].map(() => request(app).post(`/content/posts/${postId}/comments`).set(bearer(neighbour)).send(comment)));
    for (const response of commented) expect(response.status).toBe(201);
    expect(new Set(commented.map((response) => response.body.id)).size).toBe(1);
    expect(await ContentCommentModel.countDocuments({ postId: new Types.ObjectId(postId) })).toBe(1);
    expect(await eventsOf(neighbour.id, 'comment_posted')).toHaveLength(1);

    const likes = await Promise.all([1, 2, 3, 4].map(() => request(app).put(`/content/posts/${postId}/like`).set(bearer(neighbour))));
    for (const response of likes) expect(response.body).toMatchObject({ active: true });
    expect(await ContentReactionModel.countDocuments({ postId: new Types.ObjectId(postId), kind: 'like' })).toBe(1);
    // Taken back and given again: still one like, and the activity is counted once.
    expect((await request(app).delete(`/content/posts/${postId}/like`).set(bearer(neighbour))).body).toEqual({ active: false, count: 0 });
    expect((await request(app).put(`/content/posts/${postId}/like`).set(bearer(neighbour))).body).toEqual({ active: true, count: 1 });
    expect(await eventsOf(neighbour.id, 'post_liked')).toHaveLength(1);

    const saved = await Promise.all([1, 2].map(() => request(app).put(`/content/posts/${postId}/save`).set(bearer(neighbour))));
    for (const response of saved) expect(response.body).toEqual({ active: true, count: 1 });
    expect(await eventsOf(neighbour.id, 'post_saved')).toHaveLength(1);

    const shareKey = key('share');
    const shares = await Promise.all([1, 2, 3].map(() => request(app).post(`/content/posts/${postId}/shares`).set(bearer(neighbour)).send({ idempotencyKey: shareKey })));
    for (const response of shares) expect(response.status).toBe(200);
    expect(shares[0].body.path).toBe(`/pages/post/index?id=${postId}&tk=s&tu=${neighbour.residentId}`);
    expect(shares[0].body.imageUrl).toBe(images[0].body.path);
    expect(await ContentShareModel.countDocuments({ postId: new Types.ObjectId(postId) })).toBe(1);
    expect(await eventsOf(neighbour.id, 'post_shared')).toHaveLength(1);

    const stored = await ContentPostModel.findById(postId).lean();
    expect(stored).toMatchObject({ counts: { likes: 1, comments: 1, saves: 1, shares: 1 }, engagement: 4 });
    const detail = await request(app).get(`/content/posts/${postId}`).set(bearer(neighbour));
    expect(detail.status).toBe(200);
    expect(detail.body.post).toMatchObject({ counts: { likes: 1, comments: 1, saves: 1, shares: 1 }, liked: true, saved: true, mine: false });
    expect(detail.body.comments).toHaveLength(1);
  });

  it('when residents reply to a comment and to a reply, then both replies hang under the top-level comment, naming whom they answer', async () => {
    const [author, first, second] = [await newResident(), await newResident(), await newResident()];
    const post = await createPost(author, { text: '小区门口新开的面包店有人去过吗', idempotencyKey: key('post') });
    const comment = (session: Session, text: string, replyTo?: string) =>
      request(app).post(`/content/posts/${post.body.id}/comments`).set(bearer(session)).send({ text, replyTo, idempotencyKey: key('comment') });
    const top = await comment(first, '去过，吐司很好吃');
    const reply = await comment(second, '哪款吐司？', top.body.id);
    const replyToReply = await comment(first, '原味的', reply.body.id);
    expect(reply.body).toMatchObject({ parentId: top.body.id, replyToName: top.body.author.name });
    expect(replyToReply.body).toMatchObject({ parentId: top.body.id, replyToName: reply.body.author.name });
    const later = await comment(second, '谢谢推荐');
    const detail = await request(app).get(`/content/posts/${post.body.id}`).set(bearer(author));
    expect(detail.body.comments.map((item: { id: string }) => item.id)).toEqual([top.body.id, reply.body.id, replyToReply.body.id, later.body.id]);
  });

  it('when a resident opens the feed and a post several times a day, then one list visit and one detail visit are recorded for that day', async () => {
    const reader = await newResident();
    const author = await newResident();
    const post = await createPost(author, { text: '周末一起去公园散步吧', idempotencyKey: key('post') });
    for (let i = 0; i < 3; i += 1) expect((await request(app).get('/content/feed').set(bearer(reader))).status).toBe(200);
    await Promise.all([1, 2].map(() => request(app).get(`/content/posts/${post.body.id}`).set(bearer(reader)).expect(200)));
    const visits = await ContentVisitModel.find({ residentId: reader.id }).lean();
    expect(visits.map((visit) => visit.page).sort()).toEqual(['detail', 'list']);
  });

  it('pages the feed newest first with a cursor, and by engagement', async () => {
    const author = await newResident();
    const fan = await newResident();
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push((await createPost(author, { text: `第 ${i} 条邻里分享`, idempotencyKey: key('post') })).body.id);
    await request(app).put(`/content/posts/${ids[1]}/like`).set(bearer(fan)).expect(200);
    await request(app).put(`/content/posts/${ids[1]}/save`).set(bearer(fan)).expect(200);
    await request(app).put(`/content/posts/${ids[3]}/like`).set(bearer(fan)).expect(200);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: request.Response = await request(app).get('/content/feed').query({ limit: 2, ...(cursor ? { cursor } : {}) }).set(bearer(fan));
      expect(page.status).toBe(200);
      seen.push(...page.body.posts.map((post: { id: string }) => post.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    const mine = seen.filter((id) => ids.includes(id));
    expect(mine).toEqual([...ids].reverse());
    expect(new Set(seen).size).toBe(seen.length);

    const engaged = await request(app).get('/content/feed').query({ sort: 'engaged', limit: 50 }).set(bearer(fan));
    const order = engaged.body.posts.map((post: { id: string }) => post.id).filter((id: string) => ids.includes(id));
    expect(order.slice(0, 2)).toEqual([ids[1], ids[3]]);
    expect((await request(app).get('/content/feed').query({ cursor: 'not-a-cursor' }).set(bearer(fan))).body.error.message).toMatch(/翻页参数无效/);
  });

  it('when a resident without a store posts or opens the feed, then they are told to choose a store', async () => {
    const drifter = await login(app, 'dev:content-no-store');
    const posted = await createPost(drifter, { text: '大家好', idempotencyKey: key('post') });
    expect(posted.status).toBe(409);
    expect(posted.body.error.message).toMatch(/请先选择你的门店/);
    expect((await request(app).get('/content/feed').set(bearer(drifter))).body.error.message).toMatch(/请先选择你的门店/);
    expect(await ContentPostModel.countDocuments({ 'author.residentId': new Types.ObjectId(drifter.residentId!) })).toBe(0);
  });
});

describe('activity for tasks', () => {
  it('when a task asks for 3 comments a day, then three comments count (a retried one once) and complete it', async () => {
    const admin = await login(app, DEMO_LOGINS.admin);
    const task = await request(app).post('/tasks/definitions').set(bearer(admin))
      .send({ kind: 'daily', eventType: 'comment_posted', target: 3, period: { kind: 'daily' }, rewardPoints: 0, title: '今天评论 3 次', nextStep: '去邻里圈评论' });
    expect(task.status).toBe(201);
    const [author, commenter] = [await newResident(), await newResident()];
    const post = await createPost(author, { text: '傍晚小区里的晚霞真好看', idempotencyKey: key('post') });
    const say = (text: string, idempotencyKey: string) => request(app).post(`/content/posts/${post.body.id}/comments`).set(bearer(commenter)).send({ text, idempotencyKey });
    const first = key('comment');
    await Promise.all([say('真美', first), say('真美', first)]);
    const progressOf = async () => ((await request(app).get('/tasks/me').set(bearer(commenter))).body.daily as { taskId: string; progress: number; state: string }[]).find((entry) => entry.taskId === task.body.id);
    expect(await progressOf()).toMatchObject({ progress: 1, state: 'in_progress' });
    await say('我也拍到了', key('comment'));
    await say('明天还会有吗', key('comment'));
    expect(await progressOf()).toMatchObject({ progress: 3, state: 'completed' });
    await request(app).patch(`/tasks/definitions/${task.body.id}`).set(bearer(admin)).send({ active: false }).expect(200);
  });

  it('when six residents like a post at the same moment, then the count is exactly six, shown and stored', async () => {
    const author = await newResident();
    const fans = await Promise.all(Array.from({ length: 6 }, () => newResident()));
    const post = await createPost(author, { text: '新开的水果店草莓打折', idempotencyKey: key('post') });
    const answers = await Promise.all(fans.flatMap((fan) => [1, 2].map(() => request(app).put(`/content/posts/${post.body.id}/like`).set(bearer(fan)))));
    for (const answer of answers) expect(answer.status).toBe(200);
    expect(await ContentReactionModel.countDocuments({ postId: new Types.ObjectId(post.body.id), kind: 'like' })).toBe(6);
    expect((await request(app).get(`/content/posts/${post.body.id}`).set(bearer(author))).body.post.counts.likes).toBe(6);
    expect((await ContentPostModel.findById(post.body.id).lean())!.counts!.likes).toBe(6);
  });
});

describe('moderation', () => {
  it('when a post hides a link behind symbols, then it is stored hidden with the rule, the author has a strike, and only the author sees it', async () => {
    const spammer = await newResident();
    const reader = await newResident();
    const body = { text: '好东西看这里 w w w . s h o p 8 8 . c o m 加微信领福利', idempotencyKey: key('post') };
    const posted = await Promise.all([1, 2, 3].map(() => createPost(spammer, body)));
    for (const response of posted) expect(response.status).toBe(201);
    expect(posted[0].body).toMatchObject({ status: 'hidden', hiddenReason: '用符号规避审核的广告' });
    const postId = posted[0].body.id;
    expect(await ContentPostModel.findById(postId).lean()).toMatchObject({ status: 'hidden', hiddenBy: 'rule', hiddenRule: 'obfuscated' });
    const strikes = await ContentStrikeModel.find({ residentId: spammer.id }).lean();
    expect(strikes).toHaveLength(1);
    expect(strikes[0]).toMatchObject({ itemKey: `post:${postId}`, rule: 'obfuscated', n: 1 });
    expect(await eventsOf(spammer.id, 'post_published')).toHaveLength(0);

    const readerFeed = await request(app).get('/content/feed').query({ limit: 50 }).set(bearer(reader));
    expect(readerFeed.body.posts.map((post: { id: string }) => post.id)).not.toContain(postId);
    expect((await request(app).get(`/content/posts/${postId}`).set(bearer(reader))).status).toBe(404);
    const ownFeed = await request(app).get('/content/feed').query({ limit: 50 }).set(bearer(spammer));
    expect(ownFeed.body.posts.find((post: { id: string }) => post.id === postId)).toMatchObject({ status: 'hidden', hiddenReason: '用符号规避审核的广告' });

    const queue = await request(app).get('/content/moderation').query({ status: 'hidden' }).set(bearer(managerA));
    expect(queue.body.items.find((item: { id: string }) => item.id === postId)).toMatchObject({ kind: 'post', hiddenBy: 'rule', authorStrikes: 1, authorPenalty: 'warn' });
  });

  it('when a comment carries contact details with promotion, or a post image holds a QR code, then it is hidden and a strike recorded', async () => {
    const spammer = await newResident();
    const author = await newResident();
    const post = await createPost(author, { text: '今天的草莓很甜', idempotencyKey: key('post') });
    const comment = await request(app).post(`/content/posts/${post.body.id}/comments`).set(bearer(spammer)).send({ text: '低价代购，加微信 abc12345 私聊', idempotencyKey: key('comment') });
    expect(comment.status).toBe(201);
    expect(comment.body).toMatchObject({ status: 'hidden', hiddenReason: '留联系方式做推广' });
    expect((await request(app).get(`/content/posts/${post.body.id}`).set(bearer(author))).body.comments).toHaveLength(0);
    expect(await eventsOf(spammer.id, 'comment_posted')).toHaveLength(0);

    const qr = await QRCode.toBuffer('https://spam.example.com/join', { width: 400, margin: 4 });
    const image = await upload(spammer, qr, 'qr.png', 'image/png');
    expect(image.status).toBe(201);
    const withQr = await createPost(spammer, { text: '扫码看看', imageIds: [image.body.id], idempotencyKey: key('post') });
    expect(withQr.body).toMatchObject({ status: 'hidden', hiddenReason: '发送二维码图片' });
    const strikes = await ContentStrikeModel.find({ residentId: spammer.id }).sort({ n: 1 }).lean();
    expect(strikes.map((strike) => [strike.n, strike.rule])).toEqual([[1, 'contact_promo'], [2, 'qr_image']]);
    // The second strike is a one-day mute on the ladder: posting is refused until it ends.
    const muted = await createPost(spammer, { text: '我又来了', idempotencyKey: key('post') });
    expect(muted.status).toBe(403);
    expect(muted.body.error.message).toMatch(/你因违规被禁言/);
  });

  it('when residents report a post, each counts once; staff hide it with a reason (closing the reports) and restore it', async () => {
    const author = await newResident();
    const [first, second] = [await newResident(), await newResident()];
    const post = await createPost(author, { text: '有人要转让婴儿车吗', idempotencyKey: key('post') });
    const postId = post.body.id;
    const reports = await Promise.all([1, 2, 3].map(() => request(app).post(`/content/posts/${postId}/reports`).set(bearer(first)).send({ reason: 'ad' })));
    for (const response of reports) expect(response.status).toBe(200);
    expect((await request(app).post(`/content/posts/${postId}/reports`).set(bearer(second)).send({ reason: 'fraud', note: '像是骗子' })).body).toEqual({ reported: true, reports: 2 });
    expect(await ContentReportModel.countDocuments({ itemId: new Types.ObjectId(postId) })).toBe(2);
    expect((await request(app).post(`/content/posts/${postId}/reports`).set(bearer(author)).send({ reason: 'ad' })).status).toBe(400);

    const queue = await request(app).get('/content/moderation').set(bearer(managerA));
    expect(queue.status).toBe(200);
    const item = queue.body.items.find((entry: { id: string }) => entry.id === postId);
    expect(item.reports.sort((a: { reason: string }, b: { reason: string }) => a.reason.localeCompare(b.reason))).toEqual([
      { reason: 'ad', label: '广告或推销', count: 1 },
      { reason: 'fraud', label: '诈骗或虚假链接', count: 1 },
    ]);

    expect((await request(app).post(`/content/posts/${postId}/visibility`).set(bearer(managerA)).send({ hidden: true })).body.error.message).toMatch(/请写明原因/);
    const hidden = await request(app).post(`/content/posts/${postId}/visibility`).set(bearer(managerA)).send({ hidden: true, reason: '疑似广告' });
    expect(hidden.status).toBe(200);
    expect(hidden.body).toMatchObject({ status: 'hidden', hiddenReason: '疑似广告' });
    expect(await ContentReportModel.countDocuments({ itemId: new Types.ObjectId(postId), closedAt: null })).toBe(0);
    expect((await request(app).get('/content/moderation').set(bearer(managerA))).body.items.map((entry: { id: string }) => entry.id)).not.toContain(postId);
    expect((await request(app).get(`/content/posts/${postId}`).set(bearer(first))).status).toBe(404);
    expect((await request(app).get(`/content/posts/${postId}`).set(bearer(author))).body.post).toMatchObject({ status: 'hidden', hiddenReason: '疑似广告' });

    const restored = await request(app).post(`/content/posts/${postId}/visibility`).set(bearer(managerA)).send({ hidden: false });
    expect(restored.body).toMatchObject({ status: 'visible', hiddenReason: null });
    expect((await request(app).get(`/content/posts/${postId}`).set(bearer(first))).status).toBe(200);
  });

  it('reports a comment once per resident, and staff hide it', async () => {
    const [author, commenter, reporter] = [await newResident(), await newResident(), await newResident()];
    const post = await createPost(author, { text: '楼下快递柜坏了', idempotencyKey: key('post') });
    const comment = await request(app).post(`/content/posts/${post.body.id}/comments`).set(bearer(commenter)).send({ text: '你们都是笨蛋', idempotencyKey: key('comment') });
    await Promise.all([1, 2].map(() => request(app).post(`/content/comments/${comment.body.id}/reports`).set(bearer(reporter)).send({ reason: 'offensive' }).expect(200)));
    expect(await ContentReportModel.countDocuments({ itemId: new Types.ObjectId(comment.body.id) })).toBe(1);
    const hidden = await request(app).post(`/content/comments/${comment.body.id}/visibility`).set(bearer(managerA)).send({ hidden: true, reason: '言语不友善' });
    expect(hidden.body).toMatchObject({ status: 'hidden', hiddenReason: '言语不友善' });
    expect((await ContentPostModel.findById(post.body.id).lean())!.counts!.comments).toBe(0);
  });

  it('staff pin a post to the top, answer as the store, and are refused outside their stores', async () => {
    const author = await newResident();
    const post = await createPost(author, { text: '门店周六有试吃活动吗', idempotencyKey: key('post') });
    await createPost(author, { text: '另一条更新的帖子', idempotencyKey: key('post') });
    const pinned = await request(app).post(`/content/posts/${post.body.id}/pin`).set(bearer(managerA)).send({ pinned: true });
    expect(pinned.body).toMatchObject({ pinned: true });
    for (const sort of ['newest', 'engaged']) {
      const feed = await request(app).get('/content/feed').query({ sort }).set(bearer(author));
      expect(feed.body.posts[0].id).toBe(post.body.id);
    }
    const staffFeed = await request(app).get('/content/feed').query({ storeId: storeA }).set(bearer(managerA));
    expect(staffFeed.status).toBe(200);
    expect(staffFeed.body.posts[0]).toMatchObject({ id: post.body.id, liked: false, mine: false });

    const answer = await request(app).post(`/content/posts/${post.body.id}/comments`).set(bearer(managerA)).send({ text: '有的，周六上午十点开始', idempotencyKey: key('answer') });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ author: { residentId: null, name: storeAName, asStore: true }, status: 'visible', mine: true });

    expect((await request(app).get('/content/feed').query({ storeId: storeA }).set(bearer(managerB))).status).toBe(403);
    expect((await request(app).get(`/content/posts/${post.body.id}`).set(bearer(managerB))).status).toBe(403);
    const outside = await request(app).post(`/content/posts/${post.body.id}/visibility`).set(bearer(managerB)).send({ hidden: true, reason: '越权隐藏' });
    expect(outside.status).toBe(403);
    expect(outside.body.error.message).toMatch(/不在你的负责范围内/);
    expect((await request(app).post(`/content/posts/${post.body.id}/pin`).set(bearer(managerB)).send({ pinned: false })).status).toBe(403);
    expect((await ContentPostModel.findById(post.body.id).lean())).toMatchObject({ status: 'visible', pinned: true });
    // Reported, the post shows in the queue as pinned, so the page offers 取消置顶.
    const reporter = await newResident();
    await request(app).post(`/content/posts/${post.body.id}/reports`).set(bearer(reporter)).send({ reason: 'other' }).expect(200);
    const queued = async () => (await request(app).get('/content/moderation').query({ storeId: storeA }).set(bearer(managerA)).expect(200)).body.items.find((item: { id: string }) => item.id === post.body.id);
    expect(await queued()).toMatchObject({ kind: 'post', pinned: true, reports: [{ reason: 'other', count: 1 }] });
    await request(app).post(`/content/posts/${post.body.id}/pin`).set(bearer(managerA)).send({ pinned: false }).expect(200);
    expect(await queued()).toMatchObject({ pinned: false });
  });
});

describe('晒单', () => {
  it('links only the author\'s own completed order, with its product names, and records order_shown', async () => {
    const buyer = await newResident();
    const other = await newResident();
    const done = `content-done-${randomBytes(3).toString('hex')}`;
    const pending = `content-pending-${randomBytes(3).toString('hex')}`;
    const theirs = `content-theirs-${randomBytes(3).toString('hex')}`;
    await order(buyer, done, ['paid', 'completed']);
    await order(buyer, pending, ['paid']);
    await order(other, theirs, ['paid', 'completed']);

    const showable = await request(app).get('/content/show-orders').set(bearer(buyer));
    expect(showable.body.orders.map((entry: { orderId: string }) => entry.orderId)).toEqual([done]);
    expect(showable.body.orders[0].items).toEqual(['上海青 500g', '西红柿 500g']);

    const refusedOther = await createPost(buyer, { text: '晒一下', orderId: theirs, idempotencyKey: key('post') });
    expect(refusedOther.status).toBe(403);
    expect(refusedOther.body.error.message).toBe('只能晒你自己的订单');
    const refusedPending = await createPost(buyer, { text: '晒一下', orderId: pending, idempotencyKey: key('post') });
    expect(refusedPending.status).toBe(409);
    expect(refusedPending.body.error.message).toMatch(/还没有完成/);
    expect(await ContentPostModel.countDocuments({ 'author.residentId': buyer.id })).toBe(0);

    const shown = await createPost(buyer, { text: '上海青炒香菇，一家人都爱吃', orderId: done, idempotencyKey: key('post') });
    expect(shown.status).toBe(201);
    expect(shown.body).toMatchObject({ kind: 'show_order', order: { orderId: done, items: ['上海青 500g', '西红柿 500g'] } });
    expect(await eventsOf(buyer.id, 'order_shown')).toHaveLength(1);
    expect(await eventsOf(buyer.id, 'post_published')).toHaveLength(1);
  });
});

describe('bad uploads by a resident store nothing', () => {
  function storedFiles(): string[] {
    try {
      return readdirSync(mediaDir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => entry.name).sort();
    } catch {
      return [];
    }
  }

  it('refuses a wrong type, a file too big and a truncated file in Chinese', async () => {
    const resident = await newResident();
    const small = createTestApplication({ env: { DATA_DIR: dataDir, MEDIA_MAX_UPLOAD_BYTES: String(64 * 1024), RATE_LIMIT_MAX: '1000000' } });
    const whole = await picture(99, 900, 700);
    const big = await sharp(randomBytes(600 * 400 * 3), { raw: { width: 600, height: 400, channels: 3 } }).png().toBuffer();
    const cases: [() => request.Test, number, RegExp][] = [
      [() => upload(resident, Buffer.from('这不是图片'.repeat(40)), 'fake.jpg', 'image/jpeg'), 415, /只能上传 JPG、PNG、WebP 或 GIF 图片/],
      [() => upload(resident, big, 'big.png', 'image/png', small.app), 413, /图片不能超过 64 KB/],
      [() => upload(resident, whole.subarray(0, Math.floor(whole.length * 0.6)), 'cut.jpg', 'image/jpeg'), 400, /图片文件不完整/],
    ];
    for (const [run, status, message] of cases) {
      const [records, files] = [await MediaImageModel.countDocuments(), storedFiles()];
      const response = await run();
      expect(response.status).toBe(status);
      expect(response.body.error.message).toMatch(message);
      expect(await MediaImageModel.countDocuments()).toBe(records);
      expect(storedFiles()).toEqual(files);
    }
    await small.stop();
    const unknown = await createPost(resident, { text: '图片没传上', imageIds: ['a'.repeat(64)], idempotencyKey: key('post') });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/有图片没有上传成功/);
  });
});

describe('the biweekly review', () => {
  it("shows content figures equal to an independent count of the raw content, with the previous period beside it", async () => {
    // A period long past (nothing else in this file happens then): 2026-03-02..15, the previous one 2026-02-16..03-01.
    const at = (day: string, hour = 10) => new Date(`${day}T${String(hour).padStart(2, '0')}:00:00+08:00`);
    const store = new Types.ObjectId(storeA);
    const residents = Array.from({ length: 6 }, () => new Types.ObjectId());
    const author = (n: number) => ({ residentId: residents[n], staffId: null, name: '测**', asStore: false });
    const postSpecs = [
      { day: '2026-03-02', visible: true },
      { day: '2026-03-02', visible: true },
      { day: '2026-03-05', visible: false },
      { day: '2026-03-15', visible: true },
      { day: '2026-02-20', visible: true },
      { day: '2026-03-16', visible: true },
    ];
    const posts = await ContentPostModel.insertMany(
      postSpecs.map((spec, n) => ({
        storeId: store, kind: 'post', author: author(n % 6), text: `复盘测试帖 ${n}`, images: [], status: spec.visible ? 'visible' : 'hidden',
        hiddenBy: spec.visible ? null : 'staff', hiddenReason: spec.visible ? null : '测试', idempotencyKey: `review-fixture-${n}-${randomBytes(3).toString('hex')}`, createdAt: at(spec.day),
      })),
    );
    const commentSpecs = [
      { post: 0, day: '2026-03-03', visible: true },
      { post: 0, day: '2026-03-03', visible: true },
      { post: 1, day: '2026-03-04', visible: false },
      { post: 2, day: '2026-03-06', visible: true },
      { post: 4, day: '2026-03-02', visible: true },
      { post: 4, day: '2026-02-21', visible: true },
    ];
    await ContentCommentModel.insertMany(
      commentSpecs.map((spec, n) => ({
        postId: posts[spec.post]._id, storeId: store, author: author((n + 1) % 6), text: `评论 ${n}`, status: spec.visible ? 'visible' : 'hidden',
        idempotencyKey: `review-comment-${n}-${randomBytes(3).toString('hex')}`, createdAt: at(spec.day),
      })),
    );
    const reactionSpecs = [
      { kind: 'like', post: 0, resident: 1, day: '2026-03-02' },
      { kind: 'like', post: 0, resident: 2, day: '2026-03-08' },
      { kind: 'like', post: 1, resident: 3, day: '2026-03-08' },
      { kind: 'like', post: 2, resident: 4, day: '2026-03-06' },
      { kind: 'like', post: 4, resident: 5, day: '2026-02-22' },
      { kind: 'like', post: 4, resident: 1, day: '2026-03-10' },
      { kind: 'save', post: 0, resident: 3, day: '2026-03-09' },
      { kind: 'save', post: 3, resident: 2, day: '2026-03-15' },
    ] as const;
    await ContentReactionModel.insertMany(
      reactionSpecs.map((spec) => ({ _id: `${spec.kind}:${posts[spec.post]._id}:${residents[spec.resident]}`, kind: spec.kind, postId: posts[spec.post]._id, storeId: store, residentId: residents[spec.resident], createdAt: at(spec.day) })),
    );
    const shareSpecs = [
      { post: 0, resident: 4, day: '2026-03-11' },
      { post: 0, resident: 4, day: '2026-03-12' },
      { post: 2, resident: 1, day: '2026-03-07' },
      { post: 4, resident: 2, day: '2026-02-25' },
    ];
    await ContentShareModel.insertMany(shareSpecs.map((spec, n) => ({ _id: `review-share-${n}-${randomBytes(3).toString('hex')}`, postId: posts[spec.post]._id, storeId: store, residentId: residents[spec.resident], createdAt: at(spec.day) })));
    const visitSpecs = [
      { resident: 0, page: 'list', day: '2026-03-02' },
      { resident: 0, page: 'list', day: '2026-03-03' },
      { resident: 1, page: 'list', day: '2026-03-02' },
      { resident: 2, page: 'list', day: '2026-03-14' },
      { resident: 0, page: 'detail', day: '2026-03-03' },
      { resident: 3, page: 'detail', day: '2026-03-04' },
      { resident: 4, page: 'list', day: '2026-02-18' },
      { resident: 4, page: 'detail', day: '2026-02-18' },
    ];
    await ContentVisitModel.insertMany(visitSpecs.map((spec) => ({ _id: `${residents[spec.resident]}:${spec.page}:${spec.day}`, residentId: residents[spec.resident], storeId: store, page: spec.page, day: spec.day, at: at(spec.day) })));

    // The independent count: straight from the specs above.
    const expected = (from: string, to: string) => {
      const inside = (day: string) => day >= from && day <= to;
      const visiblePost = (post: number) => postSpecs[post].visible;
      const periodPosts = postSpecs.map((spec, n) => ({ ...spec, n })).filter((spec) => spec.visible && inside(spec.day));
      const comments = commentSpecs.filter((spec) => spec.visible && visiblePost(spec.post) && inside(spec.day));
      const likes = reactionSpecs.filter((spec) => spec.kind === 'like' && visiblePost(spec.post) && inside(spec.day));
      const saves = reactionSpecs.filter((spec) => spec.kind === 'save' && visiblePost(spec.post) && inside(spec.day));
      const shares = shareSpecs.filter((spec) => visiblePost(spec.post) && inside(spec.day));
      const engagementOf = (n: number) => [comments, likes, saves, shares].reduce((sum, rows) => sum + rows.filter((row) => row.post === n).length, 0);
      const engagements = periodPosts.map((spec) => engagementOf(spec.n)).sort((a, b) => a - b);
      const middle = Math.floor(engagements.length / 2);
      const listVisitors = new Set(visitSpecs.filter((spec) => spec.page === 'list' && inside(spec.day)).map((spec) => spec.resident)).size;
      const detailVisitors = new Set(visitSpecs.filter((spec) => spec.page === 'detail' && inside(spec.day)).map((spec) => spec.resident)).size;
      return {
        posts: periodPosts.length, comments: comments.length, likes: likes.length, saves: saves.length, shares: shares.length,
        medianEngagement: engagements.length === 0 ? null : engagements.length % 2 ? engagements[middle] : (engagements[middle - 1] + engagements[middle]) / 2,
        top: periodPosts.map((spec) => ({ postId: String(posts[spec.n]._id), engagement: engagementOf(spec.n) })).sort((a, b) => b.engagement - a.engagement || (a.postId < b.postId ? -1 : 1)),
        listVisitors, detailVisitors, detailRate: listVisitors ? detailVisitors / listVisitors : null,
        day: (day: string) => ({ day, posts: periodPosts.filter((spec) => spec.day === day).length, comments: comments.filter((spec) => spec.day === day).length, likes: likes.filter((spec) => spec.day === day).length }),
      };
    };

    await services.metrics.buildReview('2026-03-15');
    const admin = await login(app, DEMO_LOGINS.admin);
    const review = await request(app).get('/metrics/reviews/2026-03-02_2026-03-15').set(bearer(admin));
    expect(review.status).toBe(200);
    for (const [period, from, to] of [['current', '2026-03-02', '2026-03-15'], ['previous', '2026-02-16', '2026-03-01']] as const) {
      const figures = review.body.content[period];
      const want = expected(from, to);
      expect(figures).toMatchObject({
        from, to, posts: want.posts, comments: want.comments, likes: want.likes, saves: want.saves, shares: want.shares,
        medianEngagement: want.medianEngagement, listVisitors: want.listVisitors, detailVisitors: want.detailVisitors, detailRate: want.detailRate,
      });
      expect(figures.daily).toHaveLength(14);
      for (const day of figures.daily) expect(day).toEqual(want.day(day.day));
      expect(figures.topPosts.map((post: { postId: string; engagement: number }) => ({ postId: post.postId, engagement: post.engagement }))).toEqual(want.top.slice(0, 5));
    }
    // The figures are not trivially empty: the fixture has engagement in both periods.
    expect(review.body.content.current.posts).toBe(3);
    expect(review.body.content.previous.posts).toBe(1);
  });
});
