// Grafana's published types for the panels qobserve generates. A generated file
// (tests/dashboards/test_dashboards_types.py writes one per dashboard) assigns every panel to
// one of these types, so an option Grafana does not know, or a value of the wrong type, is a
// compile error.
import type * as schema from "@grafana/schema";
import type * as raw from "@grafana/schema/dist/esm/raw/dashboard/x/Dashboard_types.gen";
import type * as stat from "@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen";
import type * as table from "@grafana/schema/dist/esm/raw/composable/table/panelcfg/x/TablePanelCfg_types.gen";
import type * as text from "@grafana/schema/dist/esm/raw/composable/text/panelcfg/x/TextPanelCfg_types.gen";
import type * as timeline from "@grafana/schema/dist/esm/raw/composable/statetimeline/panelcfg/x/StateTimelinePanelCfg_types.gen";
import type * as timeseries from "@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen";

// JSON cannot spell a TypeScript enum member: accept each string enum as the union of its
// values ("background" for BigValueColorMode.Background), keeping every other check.
export type Json<T> = T extends string
  ? `${T}`
  : T extends number | boolean | null | undefined
    ? T
    : T extends ReadonlyArray<infer U>
      ? Array<Json<U>>
      : T extends object
        ? { [K in keyof T]: Json<T[K]> }
        : T;

type FieldConfigSource<Custom> = Json<Omit<raw.FieldConfigSource, "defaults">> & {
  defaults: Json<Omit<raw.FieldConfig, "custom">> & { custom?: Json<Custom> };
};

type Typed<Type extends string, Options, Custom> = Json<
  Omit<raw.Panel, "type" | "options" | "fieldConfig">
> & {
  type: Type;
  options: Json<Options>;
  fieldConfig: FieldConfigSource<Custom>;
};

export type TimeSeriesPanel = Typed<"timeseries", timeseries.Options, timeseries.FieldConfig>;
export type StatPanel = Typed<"stat", stat.Options, Record<never, never>>;
export type TablePanel = Typed<"table", table.Options, table.FieldConfig>;
export type StateTimelinePanel = Typed<"state-timeline", timeline.Options, timeline.FieldConfig>;
export type TextPanel = Json<Omit<raw.Panel, "type" | "options">> & {
  type: "text";
  options: Json<text.Options>;
};
export type RowPanel = Json<Omit<raw.RowPanel, "panels">> & { panels: [] };

// Grafana's Prometheus data source still stores an annotation's query in these top-level
// fields (its annotation editor writes them), which the dashboard types do not list.
type PrometheusAnnotation = Json<raw.AnnotationQuery> & {
  expr?: string;
  titleFormat?: string;
  textFormat?: string;
  tagKeys?: string;
  useValueForTime?: boolean;
};

// The dashboard itself, its panels checked one by one above.
export type Dashboard = Json<Omit<schema.Dashboard, "panels" | "annotations">> & {
  panels: [];
  annotations: { list: PrometheusAnnotation[] };
};
