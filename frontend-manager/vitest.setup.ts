import '@testing-library/jest-dom/vitest';
import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';

// A browser resolves a relative URL against the page; Node's Request, which jsdom leaves in
// place, refuses one. The API client builds `/api/…` requests, so the tests that stub fetch
// need the browser's rule to reach it.
const NodeRequest = globalThis.Request;
globalThis.Request = class Request extends NodeRequest {
  constructor(input: RequestInfo | URL, init?: RequestInit) {
    super(typeof input === 'string' ? new URL(input, window.location.href) : input, init);
  }
};

afterEach(() => {
  cleanup();
  sessionStorage.clear();
});
