import { useI18n } from '../i18n/i18n-context.tsx';

/** Toggles zh-CN ⇄ en; the button names the other language in that language. */
export function LangSwitch() {
  const { lang, setLang, t } = useI18n();
  const other = lang === 'zh-CN' ? 'en' : 'zh-CN';
  return (
    <button type="button" className="lang-switch" lang={other} aria-label={`${t('lang.label')}: ${t('lang.switch')}`} onClick={() => setLang(other)} data-testid="lang-switch">
      {t('lang.switch')}
    </button>
  );
}
