SOURCE = "comfhutt-supabase"
