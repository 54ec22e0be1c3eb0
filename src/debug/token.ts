// The access token of AUTH=required, kept in sessionStorage (this tab only, gone when it closes)
// and handed to the typed client as getToken. With AUTH=off none is needed.
import { $ } from './dom'

const KEY = 'vibecode-debug-token'

export const storedToken = (): string | undefined => sessionStorage.getItem(KEY) || undefined

/** `sub` and `exp` of a JWT, for display only (the server checks the token). */
export function describeToken(token: string): string {
  try {
    const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')))
    const expires = typeof payload.exp === 'number' ? new Date(payload.exp * 1000) : undefined
    const expired = expires && expires.getTime() < Date.now() ? ' (expired)' : ''
    return `token of user ${payload.sub}${expires ? `, expires ${expires.toLocaleTimeString([], { hour12: false })}${expired}` : ''}`
  } catch {
    return 'a token that is not a JWT'
  }
}

/** The token form: use a token (the page reconnects with it) or forget it. */
export function tokenForm() {
  const token = storedToken()
  $('auth').textContent = token ? describeToken(token) : 'no token: AUTH=off acts as the local user'
  $<HTMLFormElement>('token-form').addEventListener('submit', (event) => {
    event.preventDefault()
    const value = $<HTMLInputElement>('token').value.trim()
    if (!value) return
    sessionStorage.setItem(KEY, value)
    window.location.reload()
  })
  $('token-forget').addEventListener('click', () => {
    sessionStorage.removeItem(KEY)
    window.location.reload()
  })
}
