export default definePageConfig({ navigationBarTitleText: '邀请邻居', enablePullDownRefresh: true, enableShareAppMessage: true });
