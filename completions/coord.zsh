#compdef coord

_coord_completion() {
  eval $(env _TYPER_COMPLETE_ARGS="${words[1,$CURRENT]}" _COORD_COMPLETE=complete_zsh coord)
}

compdef _coord_completion coord
