// "Export CSV" for any list: walks the list's pages with the same filters (bounded, so a huge list
// cannot hang the browser) and downloads them as one CSV file.
import type { Page } from '../shared/api'
import { downloadCsv, toCsv, type Column } from '../shared/csv'

export const EXPORT_MAX_ROWS = 20_000

export async function exportAll<T>(
  fetchPage: (cursor: number | undefined) => Promise<Page<T>>,
  columns: Column<T>[],
  filename: string,
): Promise<number> {
  const rows: T[] = []
  let cursor: number | undefined
  for (;;) {
    const page = await fetchPage(cursor)
    rows.push(...(page.items ?? []))
    if (page.next === undefined || page.next === null || (page.items ?? []).length === 0 || rows.length >= EXPORT_MAX_ROWS) break
    cursor = page.next
  }
  downloadCsv(filename, toCsv(rows, columns))
  return rows.length
}
