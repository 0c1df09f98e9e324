/** Which build this is (vite.config.ts, PM_BUILD_ID). */
declare const __PM_BUILD__: string;
