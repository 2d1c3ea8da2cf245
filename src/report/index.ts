export { ALERT_FORMATS, type AlertFormat, type AlertReporter, alertReporter } from './alert-report.js';
export * from './model.js';
export { buildSarif, type SarifLocationInput, type SarifResultInput, type SarifRuleInput } from './sarif.js';
export {
  SCAN_FORMATS,
  type ScanFormat,
  type ScanReporter,
  scanReporter,
  summaryLine,
} from './scan-report.js';
