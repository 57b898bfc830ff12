import { useState } from 'react';
import { useI18n } from '../i18n/i18n-context.tsx';

/** A secret the server shows exactly once (API key, webhook secret, one-time password), with copy. */
export function SecretOnce({ label, value }: { label: string; value: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  return (
    <div className="secret-once" role="status">
      <p>{label}</p>
      <code data-testid="secret-once">{value}</code>
      <button
        type="button"
        onClick={() => {
          void navigator.clipboard?.writeText(value).then(() => setCopied(true), () => undefined);
        }}
      >
        {copied ? t('common.copied') : t('common.copy')}
      </button>
    </div>
  );
}
