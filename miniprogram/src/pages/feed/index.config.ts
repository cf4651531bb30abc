export default definePageConfig({ navigationBarTitleText: '邻里圈', enablePullDownRefresh: true, onReachBottomDistance: 120 });
