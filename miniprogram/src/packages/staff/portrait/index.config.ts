export default definePageConfig({ navigationBarTitleText: '小区画像' });
