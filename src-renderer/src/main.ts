import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';

// The session token came in the address (attest serve prints it); the server has set its cookie by now, so the
// token leaves the address bar, the history and any screenshot of the window.
if (new URLSearchParams(location.search).has('token')) history.replaceState(null, '', location.pathname);

const target = document.getElementById('app');
if (target === null) throw new Error('the page has no #app element');
mount(App, { target });
