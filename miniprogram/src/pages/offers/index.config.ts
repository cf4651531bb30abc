export default definePageConfig({ navigationBarTitleText: '今日特惠', enablePullDownRefresh: true, enableShareAppMessage: true });
