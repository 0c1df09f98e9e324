// The entry: restores the session from the refresh cookie (and asks for the first list page)
// while the app's code is still downloading, instead of after it has run.
import { prefetchList, refreshSession } from './api/session';

// The public verification page (/verify/:number) is for anyone: no session is asked for there.
if (!window.location.pathname.startsWith('/verify/')) {
  void refreshSession((token) => prefetchList(token, window.location.pathname, window.location.search));
}
void import('./bootstrap');
