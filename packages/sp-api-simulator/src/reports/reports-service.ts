import type { CatalogStore } from '../catalog/catalog-store';
import type { DocumentStore } from '../documents/document-store';
import { regionOf, type ApiRoute } from '../http/api-route';
import { invalidInput, json, jsonBody, notFound } from '../http/sim-http';
import type { ListingsStore } from '../listings/listings-store';
import type { ResolvedSimulatorOptions } from '../simulator-options';
import { isoTime, parseIsoDateTime, type Clock } from '../support/clock';
import { decodeCp1252, encodeCp1252 } from '../support/cp1252';
import type { IdSource } from '../support/ids';
import { findMarketplace } from '../support/marketplaces';
import type { Scheduler } from '../support/scheduler';
import type { ProcessingStatus } from '../feeds/feeds-service';
import { buildMerchantListingsReport } from './merchant-listings-report';
import { decodeShiftJis, encodeShiftJis } from './shift-jis';

/** Report types the simulator builds; other GET_* types are accepted and end FATAL. */
export const SIMULATED_REPORT_TYPES = ['GET_MERCHANT_LISTINGS_ALL_DATA', 'GET_MERCHANT_LISTINGS_DATA'] as const;

interface ReportRecord {
  readonly reportId: string;
  readonly reportType: string;
  readonly marketplaceIds: readonly string[];
  readonly region: string;
  readonly createdTime: number;
  readonly dataStartTime?: number;
  readonly dataEndTime?: number;
  processingStatus: ProcessingStatus;
  processingStartTime?: number;
  processingEndTime?: number;
  reportDocumentId?: string;
}

/** A report as `sim.state.reports` shows it, with its document decoded to text. */
export interface SimulatedReport {
  readonly reportId: string;
  readonly reportType: string;
  readonly marketplaceIds: readonly string[];
  readonly createdTime: string;
  readonly processingStatus: ProcessingStatus;
  readonly processingStartTime?: string;
  readonly processingEndTime?: string;
  readonly reportDocumentId?: string;
  readonly document?: { readonly contentType: string; readonly content: string };
}

export interface ReportsService {
  readonly routes: readonly ApiRoute[];
  views(): SimulatedReport[];
}

export function createReportsService(context: {
  readonly options: ResolvedSimulatorOptions;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly scheduler: Scheduler;
  readonly documents: DocumentStore;
  readonly listings: ListingsStore;
  readonly catalog: CatalogStore;
}): ReportsService {
  const { clock, ids, scheduler, documents, options } = context;
  const reports = new Map<string, ReportRecord>();

  const render = (report: ReportRecord) => ({
    reportId: report.reportId,
    reportType: report.reportType,
    marketplaceIds: [...report.marketplaceIds],
    ...(report.dataStartTime !== undefined ? { dataStartTime: isoTime(report.dataStartTime) } : {}),
    ...(report.dataEndTime !== undefined ? { dataEndTime: isoTime(report.dataEndTime) } : {}),
    createdTime: isoTime(report.createdTime),
    processingStatus: report.processingStatus,
    ...(report.processingStartTime !== undefined ? { processingStartTime: isoTime(report.processingStartTime) } : {}),
    ...(report.processingEndTime !== undefined ? { processingEndTime: isoTime(report.processingEndTime) } : {}),
    ...(report.reportDocumentId !== undefined ? { reportDocumentId: report.reportDocumentId } : {}),
  });

  const finish = (report: ReportRecord) => {
    report.processingEndTime = clock.now();
    if (!(SIMULATED_REPORT_TYPES as readonly string[]).includes(report.reportType)) {
      report.processingStatus = 'FATAL';
      return;
    }
    // Merchant listings reports cover one marketplace: the first requested.
    const marketplaceId = report.marketplaceIds[0]!;
    const listings = context.listings.all().filter((record) => record.marketplaceId === marketplaceId);
    const charset = findMarketplace(marketplaceId)?.reportCharset ?? 'UTF-8';
    // Amazon.co.jp writes its flat files in Windows-31J with Japanese column names
    const text = buildMerchantListingsReport(listings, context.catalog, report.reportType === 'GET_MERCHANT_LISTINGS_DATA', charset === 'Windows-31J' ? 'ja' : 'en');
    const content = charset === 'Cp1252' ? encodeCp1252(text) : charset === 'Windows-31J' ? encodeShiftJis(text) : Buffer.from(text, 'utf8');
    report.reportDocumentId = documents.createResultDocument('report', report.region, `text/plain;charset=${charset}`, content, false).id;
    report.processingStatus = 'DONE';
  };

  const routes: ApiRoute[] = [
    {
      operation: 'reports.createReport',
      method: 'POST',
      pattern: /^\/reports\/2021-06-30\/reports$/,
      handle(request) {
        const body = jsonBody(request);
        const { reportType, marketplaceIds, dataStartTime, dataEndTime, reportOptions } = body;
        if (typeof reportType !== 'string' || !/^GET_[A-Z0-9_]+$/.test(reportType)) throw invalidInput(`Invalid reportType ${JSON.stringify(reportType)}.`);
        if (!Array.isArray(marketplaceIds) || marketplaceIds.length < 1 || marketplaceIds.length > 25 || marketplaceIds.some((id) => typeof id !== 'string' || !findMarketplace(id)))
          throw invalidInput("'marketplaceIds' must list 1 to 25 valid marketplace ids.");
        const start = dataStartTime === undefined ? undefined : parseIsoDateTime(dataStartTime);
        const end = dataEndTime === undefined ? undefined : parseIsoDateTime(dataEndTime);
        if ((dataStartTime !== undefined && start === undefined) || (dataEndTime !== undefined && end === undefined)) throw invalidInput('dataStartTime and dataEndTime must be ISO 8601 date-times.');
        if (reportOptions !== undefined && (typeof reportOptions !== 'object' || reportOptions === null)) throw invalidInput("'reportOptions' must be an object.");
        const report: ReportRecord = {
          reportId: ids.reportId(),
          reportType,
          marketplaceIds: [...(marketplaceIds as string[])],
          region: regionOf(request),
          createdTime: clock.now(),
          ...(start !== undefined ? { dataStartTime: start } : {}),
          ...(end !== undefined ? { dataEndTime: end } : {}),
          processingStatus: 'IN_QUEUE',
        };
        reports.set(report.reportId, report);
        scheduler.after(options.reportTiming.inQueueMs, () => {
          report.processingStatus = 'IN_PROGRESS';
          report.processingStartTime = clock.now();
          scheduler.after(options.reportTiming.inProgressMs, () => finish(report));
        });
        return json(202, { reportId: report.reportId });
      },
    },
    {
      operation: 'reports.getReport',
      method: 'GET',
      pattern: /^\/reports\/2021-06-30\/reports\/([^/]+)$/,
      handle(_request, [reportId]) {
        const report = reports.get(reportId!);
        if (!report) throw notFound(`The report ${reportId} does not exist.`);
        return json(200, render(report));
      },
    },
    {
      operation: 'reports.getReportDocument',
      method: 'GET',
      pattern: /^\/reports\/2021-06-30\/documents\/([^/]+)$/,
      handle(_request, [reportDocumentId]) {
        const document = documents.get(reportDocumentId!);
        if (!document || document.kind !== 'report') throw notFound(`The report document ${reportDocumentId} does not exist.`);
        return json(200, { reportDocumentId: document.id, url: documents.presignedUrl(document), ...(document.compressed ? { compressionAlgorithm: 'GZIP' } : {}) });
      },
    },
  ];

  return {
    routes,
    views: () =>
      [...reports.values()].map((report) => {
        const document = report.reportDocumentId !== undefined ? documents.get(report.reportDocumentId) : undefined;
        const charset = /charset=([^;]+)/.exec(document?.contentType ?? '')?.[1];
        const content =
          document?.content === undefined
            ? undefined
            : charset === 'Cp1252'
              ? decodeCp1252(document.content)
              : charset === 'Windows-31J'
                ? decodeShiftJis(document.content)
                : document.content.toString('utf8');
        return { ...render(report), ...(document && content !== undefined ? { document: { contentType: document.contentType, content } } : {}) };
      }),
  };
}
