export default definePageConfig({ navigationBarTitleText: '邻里鲜生', enablePullDownRefresh: true });
