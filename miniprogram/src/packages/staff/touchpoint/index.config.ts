export default definePageConfig({ navigationBarTitleText: '记录线下触点' });
