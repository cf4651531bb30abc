export default definePageConfig({ navigationBarTitleText: '人群' });
