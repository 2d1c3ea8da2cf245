import { existsSync } from 'node:fs';
import { loadRulePack } from '../alerts/pack.js';
import type { SigmaEngine } from '../sigma/index.js';
import { UserError } from '../util/errors.js';
import { rulesDir } from '../util/paths.js';
import type { LiveAlert, LiveDetector } from './detect.js';
import type { SigmaEventFields } from './event.js';

/**
 * Live detection with the same Sigma engine and rules as `mcpward detect`: every request is a
 * webserver event, single-event rules and correlations (`group-by: c-ip`) run as it arrives.
 * Alerts name the client address the rule or correlation group is about.
 */
export function sigmaDetector(engine: SigmaEngine): LiveDetector {
  return {
    observe(event: SigmaEventFields): readonly LiveAlert[] {
      const { matches, hits } = engine.evaluate(event, event._time);
      if (matches.length === 0 && hits.length === 0) return [];
      const out: LiveAlert[] = [];
      for (const m of matches) {
        if (!m.standalone) continue;
        out.push({ rule: m.id ?? m.name ?? m.title, title: m.title, level: m.level, source: event['c-ip'] });
      }
      for (const h of hits) {
        if (!h.standalone) continue;
        const c = h.correlation;
        const source =
          h.group['c-ip'] ?? h.group['src_ip'] ?? (h.event?.['c-ip'] as string | undefined) ?? event['c-ip'];
        out.push({ rule: c.id ?? c.name ?? c.title, title: c.title, level: c.level, source });
      }
      return out;
    },
  };
}

/**
 * The detector for `detect.rules` (files, directories, globs), or the built-in rule pack, loaded as
 * `mcpward detect` loads it (src/alerts/pack.ts): the pack's placeholders filled from the knowledge
 * base, its filters applied.
 */
export function loadSigmaDetector(rules: readonly string[] | undefined): LiveDetector {
  const own = rules && rules.length > 0;
  if (!own && !existsSync(rulesDir))
    throw new UserError(
      'no built-in rule pack found (rules/); name rule files in detect.rules',
      'detect.rules',
    );
  return sigmaDetector(loadRulePack(own ? { rules, defaultRules: false } : {}).engine);
}
