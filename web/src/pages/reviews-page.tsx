import { useEffect, useState } from 'react';
import { actions, paths } from '../api/endpoints.ts';
import { useSession } from '../api/session.tsx';
import type { Review } from '../api/types.ts';
import { useAction } from '../api/use-action.ts';
import { useList } from '../api/use-list.ts';
import { ConfirmActionDialog } from '../components/confirm-dialog.tsx';
import { Field } from '../components/field.tsx';
import { ActionResult, LoadStates } from '../components/page-state.tsx';
import { SlaCountdown } from '../components/sla-countdown.tsx';
import { useI18n } from '../i18n/i18n-context.tsx';
import { Link } from '../lib/router.tsx';

type Decision = { review: Review; decision: 'approve' | 'reject' } | null;

/** Held payments: claim, then approve or reject with a note; each item counts down to its SLA. */
export function ReviewsPage() {
  const { t, lang } = useI18n();
  const { can } = useSession();
  const list = useList<Review>(paths.reviews({}));
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
      <LoadStates state={list} data={list.items} empty={t('rev.empty')} />
      <ul className="cards" data-testid="reviews">
        {list.items?.map((r) => (
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
      <ConfirmActionDialog
        target={deciding}
        title={deciding?.decision === 'reject' ? t('rev.reject') : t('rev.approve')}
        danger={deciding?.decision === 'reject'}
        busy={decide.busy}
        onClose={() => setDeciding(null)}
        onConfirm={async (d) => {
          await decide.run(d.review.id, d.decision, note.trim());
          setNote('');
          list.reload();
        }}
      >
        {(d) => (
          <>
            <p>{t(d.decision === 'reject' ? 'rev.rejectConfirm' : 'rev.approveConfirm', { id: d.review.payment_id })}</p>
            <Field label={t('rev.noteLabel')} value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} />
          </>
        )}
      </ConfirmActionDialog>
    </section>
  );
}
