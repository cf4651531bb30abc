export default definePageConfig({ navigationBarTitleText: '流失提醒' });
