export default definePageConfig({ navigationBarTitleText: '群工单' });
