import { useEffect, useState } from 'react';
import { actions, paths } from '../api/endpoints.ts';
import { asPage } from '../api/normalize.ts';
import { useSession } from '../api/session.tsx';
import type { Review } from '../api/types.ts';
import { useAction } from '../api/use-action.ts';
import { useApi } from '../api/use-api.ts';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { Field } from '../components/field.tsx';
import { ActionResult, ErrorState, Loading } from '../components/page-state.tsx';
import { SlaCountdown } from '../components/sla-countdown.tsx';
import { useI18n } from '../i18n/i18n-context.tsx';
import { Link } from '../lib/router.tsx';

type Decision = { review: Review; decision: 'approve' | 'reject' } | null;

/** Held payments: claim, then approve or reject with a note; each item counts down to its SLA. */
export function ReviewsPage() {
  const { t, lang } = useI18n();
  const { can } = useSession();
  const list = useApi<unknown>(paths.reviews({}));
  const items = list.data === undefined ? undefined : asPage<Review>(list.data).items;
  const claim = useAction(actions.claimReview);
  const decide = useAction(actions.decideReview);
  const [deciding, setDeciding] = useState<Decision>(null);
  const [note, setNote] = useState('');
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const h = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(h);
  }, []);
  const allowed = can('reviews.decide');
  return (
    <section aria-labelledby="rev-h">
      <h1 id="rev-h">{t('rev.title')}</h1>
      <ActionResult error={claim.error ?? decide.error} />
      {list.loading && !items && <Loading />}
      {list.error && <ErrorState error={list.error} retry={list.reload} />}
      {items && items.length === 0 && <p className="muted">{t('rev.empty')}</p>}
      <ul className="cards" data-testid="reviews">
        {items?.map((r) => (
          <li key={r.id} className="card review">
            <div className="review-head">
              <Link to={`/payments/${encodeURIComponent(r.payment_id)}`}>{r.payment_id}</Link>
              <SlaCountdown dueAt={r.due_at} now={now} />
            </div>
            {r.reason?.length ? (
              <p>
                {t('rev.reason')}: {r.reason.map((f) => f.reason?.[lang] ?? f.rule_id).join('，')}
              </p>
            ) : null}
            <p className="muted">{r.assignee ? t('rev.claimedBy', { who: r.assignee }) : t('rev.unclaimed')}</p>
            <div className="button-row">
              {!r.assignee && (
                <button type="button" disabled={!allowed || claim.busy} onClick={async () => (await claim.run(r.id)) !== undefined && list.reload()}>
                  {t('rev.claim')}
                </button>
              )}
              <button type="button" className="primary" disabled={!allowed} onClick={() => setDeciding({ review: r, decision: 'approve' })}>
                {t('rev.approve')}
              </button>
              <button type="button" className="danger" disabled={!allowed} onClick={() => setDeciding({ review: r, decision: 'reject' })}>
                {t('rev.reject')}
              </button>
            </div>
          </li>
        ))}
      </ul>
      <ConfirmDialog
        open={deciding !== null}
        title={deciding?.decision === 'reject' ? t('rev.reject') : t('rev.approve')}
        danger={deciding?.decision === 'reject'}
        busy={decide.busy}
        onCancel={() => setDeciding(null)}
        onConfirm={async () => {
          if (deciding) await decide.run(deciding.review.id, deciding.decision, note.trim());
          setDeciding(null);
          setNote('');
          list.reload();
        }}
      >
        <p>{deciding && t(deciding.decision === 'reject' ? 'rev.rejectConfirm' : 'rev.approveConfirm', { id: deciding.review.payment_id })}</p>
        <Field label={t('rev.noteLabel')} value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} />
      </ConfirmDialog>
    </section>
  );
}
