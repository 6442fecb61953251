import type { PageLang } from './i18n.js';

/** The words of the large-fleet page (fleet-dashboard.ts), per language. */
export interface FleetMessages {
  section: string;
  everyHostHealthy: string;
  kinds: {
    hosts: string;
    failed: string;
    overdue: string;
    never: string;
    clash: string;
    skewed: string;
    notSeen: string;
    healthy: string;
  };
  notSeenFor: (age: string) => string;
  moreHosts: (shown: number, total: number) => string;
  healthy: string;
  search: string;
  searchButton: string;
  jobs: string;
  lastSeen: string;
  page: (page: number, pages: number) => string;
  previous: string;
  next: string;
  noMatch: string;
}

const EN: FleetMessages = {
  section: 'Hosts that need someone',
  everyHostHealthy: 'Every host is healthy.',
  kinds: {
    hosts: 'hosts',
    failed: 'failed',
    overdue: 'overdue',
    never: 'never ran',
    clash: 'name clash',
    skewed: 'clock off',
    notSeen: 'not seen',
    healthy: 'healthy',
  },
  notSeenFor: (age) => `not seen for ${age}`,
  moreHosts: (shown, total) => `${shown} of ${total} hosts shown, worst first`,
  healthy: 'Healthy hosts',
  search: 'Host name contains',
  searchButton: 'Search',
  jobs: 'Jobs',
  lastSeen: 'Last seen',
  page: (page, pages) => `page ${page} of ${pages}`,
  previous: '← previous',
  next: 'next →',
  noMatch: 'No healthy host matches.',
};

const JA: FleetMessages = {
  section: '対応が必要なホスト',
  everyHostHealthy: 'すべてのホストが正常です。',
  kinds: {
    hosts: 'ホスト',
    failed: '失敗',
    overdue: '期限切れ',
    never: '未実行',
    clash: '名前の衝突',
    skewed: '時刻のずれ',
    notSeen: '連絡なし',
    healthy: '正常',
  },
  notSeenFor: (age) => `${age}連絡なし`,
  moreHosts: (shown, total) => `${total}台中${shown}台を表示（重い順）`,
  healthy: '正常なホスト',
  search: 'ホスト名に含む文字',
  searchButton: '検索',
  jobs: 'ジョブ',
  lastSeen: '最終連絡',
  page: (page, pages) => `${pages}ページ中${page}ページ目`,
  previous: '← 前へ',
  next: '次へ →',
  noMatch: '該当する正常なホストはありません。',
};

export const FLEET_MESSAGES: Readonly<Record<PageLang, FleetMessages>> = { ja: JA, en: EN };
