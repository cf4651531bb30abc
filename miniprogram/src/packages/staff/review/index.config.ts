export default definePageConfig({ navigationBarTitleText: '双周复盘' });
