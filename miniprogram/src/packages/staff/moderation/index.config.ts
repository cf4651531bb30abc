export default definePageConfig({ navigationBarTitleText: '管理记录' });
