// Loading, error and paging state for a page's data, so every page shows the same three states.
import { ref, type Ref } from 'vue'
import type { Page } from './api'

export function useLoad<T>(fn: () => Promise<T>) {
  const data = ref<T | null>(null) as Ref<T | null>
  const loading = ref(false)
  const error = ref<unknown>(null)
  async function run() {
    loading.value = true
    error.value = null
    try {
      data.value = await fn()
    } catch (e) {
      error.value = e
    } finally {
      loading.value = false
    }
  }
  return { data, loading, error, run }
}

// A cursor-paged list: `more` appends the next page; `reset` starts again from the first.
export function usePaged<T>(fetchPage: (cursor: number | undefined) => Promise<Page<T>>) {
  const items = ref<T[]>([]) as Ref<T[]>
  const loading = ref(false)
  const finished = ref(false)
  const error = ref<unknown>(null)
  const loaded = ref(false)
  let cursor: number | undefined
  let generation = 0
  async function more() {
    if (finished.value) return
    const gen = generation
    loading.value = true
    error.value = null
    try {
      const page = await fetchPage(cursor)
      if (gen !== generation) return
      items.value = items.value.concat(page.items ?? [])
      cursor = page.next
      finished.value = page.next === undefined || page.next === null || (page.items ?? []).length === 0
      loaded.value = true
    } catch (e) {
      if (gen === generation) error.value = e
    } finally {
      if (gen === generation) loading.value = false
    }
  }
  async function reset() {
    generation++
    items.value = []
    cursor = undefined
    finished.value = false
    loaded.value = false
    loading.value = false
    await more()
  }
  return { items, loading, finished, error, loaded, more, reset }
}
