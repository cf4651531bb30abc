export default definePageConfig({ navigationBarTitleText: '邻里圈审核', enablePullDownRefresh: true });
