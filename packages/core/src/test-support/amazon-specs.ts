import { join } from 'node:path';

/**
 * Where Amazon's published models and schemas live: `SELLERSYNC_AMAZON_SPECS`, else
 * `../shared/amazon-specs` beside the repository (CI has it). Checks that read them print a notice
 * and pass when the folder is missing; the files are never copied into the project.
 */
export const AMAZON_SPECS_DIR =
  process.env['SELLERSYNC_AMAZON_SPECS'] ?? join(__dirname, '..', '..', '..', '..', '..', 'shared', 'amazon-specs');
