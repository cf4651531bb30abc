export default definePageConfig({ navigationBarTitleText: '顾问进度' });
