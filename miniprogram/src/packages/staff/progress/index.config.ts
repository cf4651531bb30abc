export default definePageConfig({ navigationBarTitleText: '我的进度' });
