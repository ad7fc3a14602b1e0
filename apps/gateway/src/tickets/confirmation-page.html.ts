import type { CustomerLinkView } from '@closeloop/contracts';

/** Text into HTML: every character that could start markup or end an attribute is escaped. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
  body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;background:#f5f6f8;color:#1f2329}
  main{max-width:34rem;margin:0 auto;padding:1.5rem 1rem}
  h1{font-size:1.3rem} .card{background:#fff;border-radius:8px;padding:1rem;margin:1rem 0}
  .summary{white-space:pre-wrap} textarea{width:100%;box-sizing:border-box;min-height:5rem;font:inherit}
  button{display:block;width:100%;padding:.8rem;margin:.6rem 0;border:0;border-radius:6px;font-size:1rem}
  .yes{background:#1f7a3a;color:#fff} .no{background:#fff;color:#b42318;border:1px solid #b42318}
  .muted{color:#646a73;font-size:.9rem}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

const day = (iso: string) =>
  new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', dateStyle: 'long' }).format(new Date(iso));

/** The form: the resolution and two answers (R6). Nothing about the customer is shown. */
export function answerPage(view: CustomerLinkView): string {
  return page(
    '请确认处理结果',
    `<h1>请确认您的问题是否已解决</h1>
<div class="card"><p class="muted">工单号 ${escapeHtml(view.ticketNo)} · 受理于 ${escapeHtml(day(view.receivedAt))}</p>
<p><strong>处理结果</strong></p><p class="summary">${escapeHtml(view.summary ?? '')}</p></div>
<form method="post" class="card">
<label for="comment">补充说明（选填）</label>
<textarea id="comment" name="comment" maxlength="2000"></textarea>
<button class="yes" type="submit" name="answer" value="confirm">问题已解决，确认</button>
<button class="no" type="submit" name="answer" value="object">问题未解决，我有异议</button>
</form>
<p class="muted">此链接仅可使用一次。</p>`,
  );
}

/** After an answer, or for a link already used. */
export function donePage(view: CustomerLinkView, justAnswered: boolean): string {
  const text = !justAnswered
    ? '此链接已使用过。如仍有问题，请联系客服。'
    : view.status === 'confirmed'
      ? '感谢您的确认，祝您生活愉快！'
      : '已收到您的反馈，我们会尽快重新处理并与您联系。';
  return page(
    '感谢您的反馈',
    `<h1>${justAnswered ? '感谢您的反馈' : '链接已使用'}</h1><div class="card"><p>${text}</p></div>`,
  );
}

/** A link that cannot be used: unknown, altered, or expired. */
export function errorPage(kind: 'invalid' | 'expired' | 'used' | 'unavailable'): string {
  const text = {
    invalid: '链接无效。请检查链接是否完整，或联系客服。',
    expired: '链接已过期。如仍有问题，请联系客服。',
    used: '此链接已使用过。如仍有问题，请联系客服。',
    unavailable: '服务暂时不可用，请稍后再试。',
  }[kind];
  return page('工单确认', `<h1>工单确认</h1><div class="card"><p>${text}</p></div>`);
}
