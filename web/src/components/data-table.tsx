import type { Key, ReactNode } from 'react';

/** One column of a DataTable: its heading and how a row fills its cell. */
export interface Column<T> {
  header: ReactNode;
  cell(row: T): ReactNode;
  /** Class of the body cells (e.g. `num` for right-aligned figures). */
  className?: string;
  /** Class of the heading cell; separate, since not every column aligns its heading with its cells. */
  headerClassName?: string;
}

interface Props<T> {
  columns: Column<T>[];
  rows: T[];
  rowKey(row: T): Key;
  /** Shown in one full-width row when there are no rows; without it an empty list is an empty body. */
  empty?: ReactNode;
  testId?: string;
}

/**
 * A data table with real table semantics (column headings with `scope="col"`), in the scrolling wrapper
 * that keeps a wide table from widening a phone screen.
 */
export function DataTable<T>({ columns, rows, rowKey, empty, testId }: Props<T>) {
  return (
    <div className="table-wrap">
      <table className="table" data-testid={testId}>
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th key={i} scope="col" className={c.headerClassName}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && empty !== undefined && (
            <tr>
              <td colSpan={columns.length} className="muted">
                {empty}
              </td>
            </tr>
          )}
          {rows.map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((c, i) => (
                <td key={i} className={c.className}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
