export { SettingRevisionEntity } from '@closeloop/persistence';
