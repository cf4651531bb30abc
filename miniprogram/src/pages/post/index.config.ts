export default definePageConfig({ navigationBarTitleText: '邻里圈', enablePullDownRefresh: true, enableShareAppMessage: true });
