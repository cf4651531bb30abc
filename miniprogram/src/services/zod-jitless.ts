import { z } from 'zod';

/*
 * WeChat forbids building functions from strings (`new Function`, `eval`), which zod 4 does to
 * speed up object parsing. Jitless mode keeps zod on its interpreter. Zod reads the setting when a
 * schema is built, so this module is imported before any schema: first in `app.tsx` and by the
 * API client.
 */
z.config({ jitless: true });
