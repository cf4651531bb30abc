export default definePageConfig({ navigationBarTitleText: '欢迎来到邻里鲜生' });
